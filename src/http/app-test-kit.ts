import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { type Logger, pino } from 'pino';
import { Registry } from 'prom-client';
import type { BazaarStateMachine } from '../bazaar/state-machine.js';
import { makeTempDir, openMachine } from '../bazaar/test-support.js';
import { buildApp } from './app.js';
import type { BazaarBackend } from './backend.js';
import { LocalBackend } from './local-backend.js';

/** Test kit: the app over a LocalBackend on a real state machine in a temp LevelDB (no Raft). */

export const TEST_SYMBOLS = ['btcusdt', 'ethusdt', 'solusdt', 'aapl'];

export interface TestApp {
  readonly app: FastifyInstance;
  readonly machine: BazaarStateMachine;
  close(): Promise<void>;
}

export async function startTestApp(
  options: { backend?: (local: LocalBackend) => BazaarBackend; plugins?: FastifyPluginAsync[]; logger?: Logger } = {},
): Promise<TestApp> {
  const temp = await makeTempDir('http');
  const machine = await openMachine(temp.dir, TEST_SYMBOLS);
  const registry = new Registry();
  const local = new LocalBackend({ machine, registry, nodeId: 'n1', priceOf: (name) => (name === 'btcusdt' ? 42.5 : null) });
  const app = await buildApp({
    backend: options.backend?.(local) ?? local,
    nodeId: 'n1',
    logger: options.logger ?? pino({ level: 'silent' }),
    registry,
    currentTerm: () => 7,
    ...(options.plugins === undefined ? {} : { plugins: options.plugins }),
  });
  return {
    app,
    machine,
    close: async () => {
      await app.close();
      await machine.close();
      await temp.remove();
    },
  };
}
