import { createServer, type Server } from 'node:net';
import { reserveFreePorts } from '../raft/index.js';
import { nodeIds, type PortPlan, EXCHANGE_COUNT, type NodeCount } from './port-plan.js';

function listen(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** `count` distinct ports, free now, outside the ephemeral range and reserved (see raft/transport/free-port.ts). */
export const freePorts = (count: number, host: string): Promise<number[]> => reserveFreePorts(count, host);

/** Throws one message naming every planned port that is already in use. */
export async function assertPortsFree(ports: readonly { what: string; port: number }[], host: string): Promise<void> {
  const busy: string[] = [];
  for (const { what, port } of ports) {
    try {
      await close(await listen(port, host));
    } catch (error) {
      busy.push(`${port} (${what}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  if (busy.length > 0) {
    throw new Error(`ports in use on ${host}: ${busy.join('; ')}. Stop whatever holds them or pick another --base-port`);
  }
}

/** A plan of free ports (no fixed layout): for tests, jepsen and benchmarks that run beside others. */
export async function freePortPlan(nodeCount: NodeCount, host: string): Promise<PortPlan> {
  const ports = await freePorts(nodeCount * 2 + EXCHANGE_COUNT + 2, host);
  const take = (): number => {
    const port = ports.shift();
    if (port === undefined) throw new Error('freePortPlan: ran out of ports');
    return port;
  };
  return {
    basePort: 0,
    nodes: nodeIds(nodeCount).map((id) => ({ id, httpPort: take(), grpcPort: take() })),
    exchangePorts: Array.from({ length: EXCHANGE_COUNT }, take),
    dynamodbPort: take(),
    toxiproxyPort: take(),
  };
}
