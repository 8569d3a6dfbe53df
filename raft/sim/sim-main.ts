import { parseArgs } from 'node:util';
import { defaultCorePath, loadCore } from './core-loader.js';
import { formatFailure, runSeeds, type NodeCountChoice } from './seed-runner.js';
import { simDefaults } from './simulator.js';

/** `npm run sim -- --seeds N --from S [--nodes 3|5] [--steps K] [--verbose] [--core path]` */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '100' },
      from: { type: 'string', default: '1' },
      nodes: { type: 'string' },
      steps: { type: 'string', default: String(simDefaults.steps) },
      verbose: { type: 'boolean', default: false },
      core: { type: 'string', default: defaultCorePath },
    },
    strict: true,
  });
  const nodes = parseNodes(values.nodes);
  const count = Number(values.seeds);
  const from = Number(values.from);
  const core = await loadCore(values.core);
  console.log(`sim: seeds ${from}..${from + count - 1}, nodes ${nodes}, steps ${values.steps}, core ${values.core}`);
  const summary = runSeeds({ from, count, nodes, steps: Number(values.steps), core, verbose: values.verbose });
  if (summary.firstFailure !== null) console.log(formatFailure(summary.firstFailure));
  const t = summary.totals;
  console.log(
    `totals: ${t.ticks} ticks, ${t.messagesDelivered} messages, ${t.leaderTerms} leader terms, ${t.crashes} crashes, ${t.pauses} pauses, ` +
      `${t.partitions} partitions, ${t.proposalsAcked} acked writes, ${t.readsServed}/${t.readsIssued} reads served, ` +
      `${t.snapshotsInstalled} snapshots installed, ${t.compactions} compactions`,
  );
  console.log(`seeds: ${summary.passed} passed, ${summary.failed} failed (${(summary.elapsedMs / 1000).toFixed(1)} s)`);
  return summary.failed === 0 ? 0 : 1;
}

function parseNodes(raw: string | undefined): NodeCountChoice {
  if (raw === undefined) return 'mixed';
  if (raw === '3') return 3;
  if (raw === '5') return 5;
  throw new Error(`--nodes must be 3 or 5, got ${raw}`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
