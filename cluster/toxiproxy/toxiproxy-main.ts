/**
 * Entry of the built-in Toxiproxy-compatible server:
 *   tsx cluster/toxiproxy/toxiproxy-main.ts [--host 127.0.0.1] [--port 8474] [--config proxies.json] [--seed N]
 * `--config` populates proxies at start, like real toxiproxy-server's `-config`. Env
 * TOXIPROXY_TOKEN: when set, the API (but GET /version) needs it in `x-toxiproxy-token`.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startToxiproxyServer, TOXIPROXY_TOKEN_HEADER } from './server.js';

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
  const token = process.env['TOXIPROXY_TOKEN'];
  const handle = await startToxiproxyServer({
    ...(token === undefined || token === '' ? {} : { token }),
    host: values.host,
    port: integerOption('port', values.port) ?? 8474,
    ...(seed === undefined ? {} : { seed }),
  });
  if (values.config !== undefined) {
    const text = await readFile(values.config, 'utf8');
    const headers: Record<string, string> = token === undefined ? {} : { [TOXIPROXY_TOKEN_HEADER]: token };
    const response = await fetch(`${handle.url}/populate`, { method: 'POST', body: text, headers });
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
