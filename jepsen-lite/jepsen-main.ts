/**
 * `npm run jepsen -- ...`: start a fresh cluster (or attach to one), run the workload under
 * the nemesis, heal, recover, final reads, check, write jepsen-lite/store/<time>-<name>/.
 * Exit 0 valid, 1 violation, 2 unknown, 3 usage or run error.
 */
import { join } from 'node:path';
import { loadSymbols } from '../src/catalog/symbols.js';
import { EXIT_CODE_BY_VERDICT, checkHistory, formatReport, type CheckOptions } from './checkers/index.js';
import { USAGE, parseCli, type ReadModeChoice } from './cli-options.js';
import { HttpClient } from './client.js';
import { ClusterDb } from './cluster-db.js';
import { ClusterNemesis } from './cluster-nemesis.js';
import { realClock } from './run-context.js';
import type { RunOptions } from './run-options.js';
import { STORE_ROOT, recheckStore, storeDirName, writeRunStore } from './run-store.js';
import { runTest } from './runner.js';

const EXIT_ERROR = 3;
const CONNECTIONS_PER_NODE_MAX = 64;
const CONNECT_TIMEOUT_MS = 1_000;

const log = (line: string): void => {
  process.stderr.write(`[jepsen] ${line}\n`);
};

async function run(o: RunOptions, cli: { attach: boolean; dataDir: string; nodes: 3 | 5; redis: string; readMode: ReadModeChoice; checkTimeLimitMs: number }): Promise<number> {
  const clock = o.faults.includes('clock') ? `; clock rates ${o.clockRates.join(',')}` : '';
  log(`seed ${o.seed} (rerun with --seed ${o.seed}); nemesis ${o.faults.join(',') || 'none'}${clock}; keys ${o.keys.join(',')}; read mode ${cli.readMode ?? 'node default (lease)'}`);
  const env = cli.readMode === null ? {} : { RAFT_READ_MODE: cli.readMode };
  const db = cli.attach ? await ClusterDb.attach(cli.dataDir) : await ClusterDb.fresh({ nodes: cli.nodes, redis: cli.redis, env, log: (l) => log(`cluster: ${l}`) });
  const stop = (): void => {
    log('interrupted: stopping');
    void db.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  const nodeUrls = Object.fromEntries(db.nodes().map((n) => [n, db.nodeUrl(n)]));
  const client = new HttpClient({ nodeUrls, urlOf: (node) => db.directory.url(node), requestTimeoutMs: o.requestTimeoutMs, connectTimeoutMs: CONNECT_TIMEOUT_MS, connectionsPerNodeMax: CONNECTIONS_PER_NODE_MAX, consistency: o.consistency });
  try {
    const startedAt = new Date();
    const dirName = storeDirName(startedAt, o.name);
    const out = await runTest(o, { db, nemesis: new ClusterNemesis(db.control, db.directory), client, clock: realClock(), log }, dirName);
    const check: CheckOptions = { initialQuantities: out.initialQuantities, nodes: out.nodes, txFloor: out.txFloor, linearizable: { timeLimitMs: cli.checkTimeLimitMs } };
    log(`checking ${out.history.length} history lines (${out.unresolvedTrades} trades still indeterminate)`);
    const report = checkHistory(out.history, check);
    const dir = join(STORE_ROOT, dirName);
    await writeRunStore(dir, { name: o.name, seed: o.seed, startedAt: startedAt.toISOString(), options: { ...o, readMode: cli.readMode, redis: cli.redis }, check }, out.history, report, db.logsDir());
    process.stdout.write(`${formatReport(report)}\nstore: ${dir}\n`);
    return EXIT_CODE_BY_VERDICT[report.verdict];
  } finally {
    process.removeListener('SIGINT', stop);
    await client.close();
    await db.close();
  }
}

async function main(): Promise<number> {
  let cli;
  try {
    cli = parseCli(process.argv.slice(2), Date.now() % 2 ** 31);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return EXIT_ERROR;
  }
  if (cli.mode === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (cli.mode === 'recheck') {
    const report = await recheckStore(cli.dir);
    process.stdout.write(`${formatReport(report)}\n`);
    return EXIT_CODE_BY_VERDICT[report.verdict];
  }
  const symbols = await loadSymbols('symbols.csv');
  if (cli.keysCount > symbols.length) throw new Error(`--keys ${cli.keysCount}: symbols.csv has only ${symbols.length} symbols`);
  return run({ ...cli.run, keys: symbols.slice(0, cli.keysCount) }, cli);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`jepsen-lite failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(EXIT_ERROR);
  },
);
