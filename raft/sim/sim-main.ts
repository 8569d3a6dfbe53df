import { parseArgs } from 'node:util';
import { formatFailure, formatTotals, runSeeds, type NodeCountChoice } from './seed-runner.js';
import { simDefaults } from './simulator.js';

const USAGE = `usage: npm run sim -- [options]: the Raft simulator (real RaftNode, in-memory disks with power loss)
  --seeds N        seeds to run (default 100)
  --from S         first seed (default 1)
  --nodes K        cluster size 1..7, or mixed (default: each seed draws one)
  --steps K        simulated steps per seed (default ${simDefaults.steps})
  --verbose        print every event of every seed (use with --seeds 1 --from S to replay a failure)
  --help           this text`;

/** `npm run sim -- --seeds N --from S [--nodes 1..7|mixed] [--steps K] [--verbose]` */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      help: { type: 'boolean', default: false },
      seeds: { type: 'string', default: '100' },
      from: { type: 'string', default: '1' },
      nodes: { type: 'string', default: 'mixed' },
      steps: { type: 'string', default: String(simDefaults.steps) },
      verbose: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const nodes: NodeCountChoice = values.nodes === 'mixed' ? 'mixed' : Number(values.nodes);
  const count = Number(values.seeds);
  const from = Number(values.from);
  console.log(`sim: seeds ${from}..${from + count - 1}, nodes ${nodes}, steps ${values.steps} (real RaftNode + MemoryLogStorage, power loss)`);
  const onProgress = (done: number, elapsedMs: number): void => {
    console.log(`... ${done} seeds passed (${(elapsedMs / 1000).toFixed(0)} s, ${((done * 1000) / elapsedMs).toFixed(1)} seeds/s)`);
  };
  const summary = await runSeeds({ from, count, nodes, steps: Number(values.steps), verbose: values.verbose, onProgress });
  if (summary.firstFailure !== null) console.log(formatFailure(summary.firstFailure));
  console.log(`totals: ${formatTotals(summary.totals)}`);
  const seconds = summary.elapsedMs / 1000;
  console.log(`seeds: ${summary.passed} passed, ${summary.failed} failed (${seconds.toFixed(1)} s, ${((summary.passed + summary.failed) / seconds).toFixed(1)} seeds/s)`);
  return summary.failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
