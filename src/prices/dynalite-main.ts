/**
 * Child-process entry for the shared dynalite: `tsx src/prices/dynalite-main.ts --port 8000
 * --path data/dynamodb`. Prints `dynalite listening on <endpoint>` once ready; exits on SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startDynalite } from './dynalite-server.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: { host: { type: 'string' }, port: { type: 'string' }, path: { type: 'string' }, memory: { type: 'boolean' } },
  });
  const port = Number(values.port ?? '8000');
  if (!Number.isInteger(port)) throw new Error(`--port must be an integer, got "${values.port}"`);
  if (values.memory !== true && values.path === undefined) throw new Error('--path <dir> (or --memory) is required');
  const running = await startDynalite({ host: values.host ?? '127.0.0.1', port, path: values.memory === true ? null : (values.path ?? null) });
  console.log(`dynalite listening on ${running.endpoint}`);
  const shutdown = (): void => {
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  console.error(`dynalite: ${(err as Error).message}`);
  process.exit(1);
});
