/**
 * Mock exchange process: `npm run exchange -- --port 8081 --id ex1`.
 * Prints one line `exchange <id> listening on http://host:port` once ready (the tests and the
 * launcher wait for it), and exits cleanly on SIGTERM/SIGINT.
 */
import { loadSymbols } from '../catalog/symbols.js';
import { buildExchangeServer } from './exchange-server.js';
import { EXCHANGE_USAGE, parseExchangeOptions, type ExchangeOptions } from './exchange-options.js';

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log(EXCHANGE_USAGE);
    return;
  }
  let options: ExchangeOptions;
  try {
    options = parseExchangeOptions(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`exchange: ${(err as Error).message}\n${EXCHANGE_USAGE}`);
    process.exit(2);
  }
  const symbols = await loadSymbols(options.symbolsFile);
  const app = buildExchangeServer({ ...options, symbols });
  const address = await app.listen({ host: options.host, port: options.port });
  console.log(`exchange ${options.id} listening on ${address} (${symbols.length} symbols, seed ${options.seed})`);
  const shutdown = (): void => {
    void app.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  console.error(`exchange: ${(err as Error).message}`);
  process.exit(1);
});
