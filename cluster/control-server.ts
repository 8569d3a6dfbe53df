import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTROL_TOKEN_HEADER, isProcessOp, ProcessOpError, type ProcessOps } from './process-ops.js';

/**
 * The launcher's control API on loopback (the CLI and attached ClusterControl use it):
 *   GET  /processes                 -> 200 {"processes": [{name, pid, state, lastExit}]}
 *   POST /processes/{name}/{op}     -> 200 {"process": {...}}   op: kill|start|restart|pause|resume
 *   POST /nodes/{id}                -> 200 {"node": {id, httpUrl, grpcAddress}}  start a node joining as a learner
 *   POST /nodes/{id}/clock/{rate}   -> 200 {"process": {...}}   restart node id (SIGKILL) with its clock at rate x (faketime)
 * Every request carries `x-launcher-token`. Errors: {"error": {"code": <status>, "message"}}.
 */
export interface ControlServer {
  readonly url: string;
  close(): Promise<void>;
}

const REQUEST_BODY_BYTES_MAX = 4 * 1024;

function reply(response: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function fail(response: ServerResponse, status: number, message: string): void {
  reply(response, status, { error: { code: status, message } });
}

function tokenMatches(request: IncomingMessage, token: string): boolean {
  const given = request.headers[CONTROL_TOKEN_HEADER];
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function drain(request: IncomingMessage): Promise<boolean> {
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > REQUEST_BODY_BYTES_MAX) return false;
  }
  return true;
}

async function route(ops: ProcessOps, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (!(await drain(request))) return fail(response, 413, `body larger than ${REQUEST_BODY_BYTES_MAX} bytes`);
  const parts = new URL(request.url ?? '/', 'http://launcher').pathname.split('/').filter((p) => p !== '');
  const method = request.method ?? 'GET';
  if (parts[0] === 'nodes' && parts.length === 4 && parts[2] === 'clock' && parts[1] !== undefined && parts[3] !== undefined) {
    if (method !== 'POST') return fail(response, 405, `${method} not allowed; use POST`);
    const raw = decodeURIComponent(parts[3]);
    if (!/^\d+(\.\d+)?$/.test(raw)) return fail(response, 400, `clock rate must be a decimal number such as 0.25, got "${raw}"`);
    return reply(response, 200, { process: await ops.setClockRate(decodeURIComponent(parts[1]), Number(raw)) });
  }
  if (parts[0] === 'nodes' && parts.length === 2 && parts[1] !== undefined) {
    if (method !== 'POST') return fail(response, 405, `${method} not allowed; use POST`);
    return reply(response, 200, { node: await ops.addNode(decodeURIComponent(parts[1])) });
  }
  if (parts[0] !== 'processes' || parts.length > 3) return fail(response, 404, `no route ${method} ${request.url ?? ''}`);
  if (parts.length === 1) {
    if (method !== 'GET') return fail(response, 405, `${method} not allowed on /processes`);
    return reply(response, 200, { processes: await ops.processes() });
  }
  const [, name, op] = parts;
  if (name === undefined || op === undefined || !isProcessOp(op)) return fail(response, 404, `unknown operation "${op ?? ''}" (kill|start|restart|pause|resume)`);
  if (method !== 'POST') return fail(response, 405, `${method} not allowed; use POST`);
  return reply(response, 200, { process: await ops.act(decodeURIComponent(name), op) });
}

export async function startControlServer(ops: ProcessOps, token: string, host: string): Promise<ControlServer> {
  const server = createServer((request, response) => {
    if (!tokenMatches(request, token)) return fail(response, 401, `missing or wrong ${CONTROL_TOKEN_HEADER}`);
    route(ops, request, response).catch((error: unknown) => {
      const status = error instanceof ProcessOpError ? error.status : 500;
      fail(response, status, (error as Error).message);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
