/**
 * Entry of the built-in Toxiproxy-compatible server:
 *   tsx cluster/toxiproxy/toxiproxy-main.ts [--host 127.0.0.1] [--port 8474] [--config proxies.json] [--seed N]
 * `--config` populates proxies at start, like real toxiproxy-server's `-config`.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startToxiproxyServer } from './server.js';

function integerOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`--${name} must be an integer, got ${raw}`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8474' },
      config: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const seed = integerOption('seed', values.seed);
  const handle = await startToxiproxyServer({
    host: values.host,
    port: integerOption('port', values.port) ?? 8474,
    ...(seed === undefined ? {} : { seed }),
  });
  if (values.config !== undefined) {
    const text = await readFile(values.config, 'utf8');
    const response = await fetch(`${handle.url}/populate`, { method: 'POST', body: text });
    if (response.status !== 201) throw new Error(`populating from ${values.config} failed: ${await response.text()}`);
  }
  const stop = (): void => {
    handle.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`toxiproxy: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
