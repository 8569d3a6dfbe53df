import pino from 'pino';
import { ConfigError, loadNodeConfig } from './node-config.js';
import { startNode, type RunningNode } from './node.js';

/**
 * One Bazaar node process. Configuration: flags or the environment (src/config/env-names.ts).
 * SIGTERM/SIGINT: graceful stop. A second start on the same data dir fails with a clear message.
 */
/** A stop that takes longer than this is cut short (the launcher allows 10 s in all). */
const STOP_DEADLINE_MS = 8000;
/**
 * Log lines wait in memory while a write to stdout is under way (one write per batch instead of
 * one synchronous write per line, a hot-path cost at thousands of requests/s); pino flushes
 * the rest synchronously on exit. Past this many bytes pending, lines are dropped.
 */
const LOG_BUFFER_BYTES_MAX = 8 * 1024 * 1024;

async function main(): Promise<void> {
  let config;
  try {
    config = loadNodeConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`bazaar node: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = pino({ level: config.logLevel }, pino.destination({ dest: 1, sync: false, maxLength: LOG_BUFFER_BYTES_MAX }));
  let node: RunningNode;
  try {
    node = await startNode(config, logger);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const message = (err as Error).message;
    process.stderr.write(`bazaar node ${config.nodeId}: cannot start: ${message}${typeof code === 'string' ? ` (${code})` : ''}\n`);
    process.exit(1);
  }
  const onSignal = (signal: string): void => {
    logger.info({ signal }, 'signal received');
    const timer = setTimeout(() => {
      logger.error('graceful stop took too long, exiting');
      process.exit(1);
    }, STOP_DEADLINE_MS);
    timer.unref();
    node.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
}

void main();
