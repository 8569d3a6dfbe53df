import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { RaftDriverErrorCode, isRaftError } from '../errors/raft-errors.js';
import type { RaftNode } from '../driver/raft-node.js';
import { type KvResult, type KvStateMachine, encodePut } from './kv-state-machine.js';
import { runLoad, validateLoadRequest } from './demo-load.js';

/**
 * Local control surface of a demo member (loopback HTTP, JSON):
 *   GET  /status                 role, term, leader, indexes, snapshot and fsync counters
 *   POST /propose?key=K&value=V  replicate a put; 200 {index, term, previous}
 *   GET  /read?key=K             linearizable read (ReadIndex barrier) of one key
 *   GET  /keys                   linearizable read of every key (tests)
 *   POST /load  {concurrency, durationMs, sizeBytes}   closed-loop proposers in this process (benchmark)
 *   POST /transfer?to=ID, POST /campaign
 * Errors: {"error":{"code":<status>,"raftCode","message","leader"}}.
 */
const requestBodyBytesMax = 64 * 1024;

type Handler = (url: URL, body: string) => Promise<unknown>;

export function startControlServer(node: RaftNode<KvResult>, sm: KvStateMachine, host: string, port: number): Promise<Server> {
  const routes: Record<string, Handler> = {
    'GET /status': async () => ({ ...node.status(), stateMachine: sm.stats() }),
    'POST /propose': async (url) => {
      const outcome = await node.propose(encodePut(required(url, 'key'), required(url, 'value')));
      return { index: outcome.index, term: outcome.term, previous: outcome.result.previous };
    },
    'GET /read': async (url) => {
      const key = required(url, 'key');
      const readIndex = await node.readIndex();
      return { readIndex, value: sm.get(key) };
    },
    'GET /keys': async () => {
      const readIndex = await node.readIndex();
      return { readIndex, keys: sm.keys() };
    },
    'POST /load': async (_url, body) => runLoad(node, validateLoadRequest(JSON.parse(body) as object)),
    'POST /transfer': async (url) => {
      node.transferLeadership(required(url, 'to'));
      return { ok: true };
    },
    'POST /campaign': async () => {
      node.campaign();
      return { ok: true };
    },
  };
  const server = createServer((req, res) => void handle(routes, req, res));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

function required(url: URL, name: string): string {
  const value = url.searchParams.get(name);
  if (value === null || value === '') throw new BadRequest(`query parameter ${name} is required`);
  return value;
}

class BadRequest extends Error {}

async function handle(routes: Record<string, Handler>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const handler = routes[`${req.method} ${url.pathname}`];
  try {
    if (handler === undefined) return reply(res, 404, { error: { code: 404, message: `no route ${req.method} ${url.pathname}` } });
    const body = await readBody(req);
    reply(res, 200, await handler(url, body));
  } catch (error) {
    const status = statusOf(error);
    const raftCode = isRaftError(error) ? error.code : null;
    const leader = isRaftError(error) ? error.leader : null;
    reply(res, status, { error: { code: status, raftCode, message: (error as Error).message, leader } });
  }
}

function statusOf(error: unknown): number {
  if (error instanceof BadRequest || error instanceof SyntaxError) return 400;
  if (!isRaftError(error)) return error instanceof Error && /must be/.test(error.message) ? 400 : 500;
  if (error.code === RaftDriverErrorCode.NotLeader) return 421;
  if (error.code === RaftDriverErrorCode.Timeout) return 504;
  return 503;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > requestBodyBytesMax) {
        reject(new BadRequest(`request body over ${requestBodyBytesMax} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
