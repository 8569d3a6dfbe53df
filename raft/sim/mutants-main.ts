import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadSeedRunner, mutants, prepareMutantTree, removeMutantTree } from './mutants.js';
import { ciSeedCount, ciSeedsFrom } from './seed-runner.js';
import { simDefaults } from './simulator.js';

const USAGE = `usage: npm run sim:mutants -- [options]: each deliberate bug of raft/sim/mutants.ts must be caught by the simulator
  --seeds N        seeds per mutant (default ${ciSeedCount})
  --from S         first seed (default ${ciSeedsFrom})
  --steps K        simulated steps per seed (default ${simDefaults.steps})
  --raft-dir DIR   the raft/ tree to mutate (default: this one)
  --only NAME      one mutant (${mutants.map((m) => m.name).join(', ')})
  --help           this text`;

/** `npm run sim:mutants -- [--seeds N] [--from S] [--steps K] [--raft-dir dir] [--only name]` */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      help: { type: 'boolean', default: false },
      seeds: { type: 'string', default: String(ciSeedCount) },
      from: { type: 'string', default: String(ciSeedsFrom) },
      steps: { type: 'string', default: String(simDefaults.steps) },
      'raft-dir': { type: 'string', default: fileURLToPath(new URL('../', import.meta.url)) },
      only: { type: 'string' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const selected = values.only === undefined ? mutants : mutants.filter((m) => m.name === values.only);
  if (selected.length === 0) throw new Error(`--only ${values.only}: no such mutant (${mutants.map((m) => m.name).join(', ')})`);
  const from = Number(values.from);
  const count = Number(values.seeds);
  let missed = 0;
  for (const mutant of selected) {
    const prepared = prepareMutantTree(values['raft-dir'], mutant);
    try {
      const runner = await loadSeedRunner(prepared.raftDir);
      const summary = await runner.runSeeds({ from, count, nodes: 'mixed', steps: Number(values.steps), verbose: false, faults: mutant.faults });
      const seconds = (summary.elapsedMs / 1000).toFixed(1);
      const failure = summary.firstFailure;
      if (failure === null) {
        missed++;
        console.log(`${mutant.name}: NOT CAUGHT in seeds ${from}..${from + count - 1} (${seconds} s) — ${mutant.bug}`);
      } else {
        console.log(`${mutant.name}: caught at seed ${failure.seed} (${failure.nodeCount} nodes, ${summary.passed} seeds passed first, ${seconds} s) [${failure.invariant}] ${failure.message.split('\n')[0]}`);
      }
    } finally {
      removeMutantTree(prepared.dir);
    }
  }
  console.log(`mutants: ${selected.length - missed} caught, ${missed} not caught`);
  return missed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
