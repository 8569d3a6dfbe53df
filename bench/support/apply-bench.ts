/**
 * `npx tsx bench/support/apply-bench.ts [--batch N] [--rounds N]`: CPU per applied trade entry
 * of the bazaar state machine (decode, execute, one LevelDB batch per apply), as every node pays
 * it for every committed trade. Random BUY/SELL of 1 share over a 1,000-symbol catalog, seeded.
 */
import { parseArgs } from 'node:util';
import type { Entry } from '../../raft/index.js';
import { makeTempDir, normalEntry, openMachine, trade } from '../../src/bazaar/test-support.js';

const SYMBOLS = Array.from({ length: 1000 }, (_, i) => `sym${i}`);
const WARM_ROUNDS = 300;

function intOption(name: string, raw: string | undefined, fallback: number): number {
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be an integer >= 1, got ${raw}`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { batch: { type: 'string' }, rounds: { type: 'string' }, seed: { type: 'string' } } });
  const batch = intOption('batch', values.batch, 15);
  const rounds = intOption('rounds', values.rounds, 3000);
  let seed = intOption('seed', values.seed, 7);
  process.stdout.write(`apply bench: seed ${seed}, ${rounds} applies of ${batch} entries\n`);
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const { dir, remove } = await makeTempDir('apply-bench');
  const machine = await openMachine(dir, SYMBOLS);
  let index = 0;
  const nextBatch = (): Entry[] =>
    Array.from({ length: batch }, () => {
      index += 1;
      const name = SYMBOLS[Math.floor(random() * SYMBOLS.length)] ?? 'sym0';
      return normalEntry(index, trade(name, random() < 0.5 ? 'BUY' : 'SELL', 1, { price: 100, atMs: 1_765_000_000_000 + index }));
    });
  try {
    for (let r = 0; r < WARM_ROUNDS; r++) await machine.apply(nextBatch());
    const batches = Array.from({ length: rounds }, nextBatch);
    const cpu = process.cpuUsage();
    for (const entries of batches) await machine.apply(entries);
    const used = process.cpuUsage(cpu);
    const perEntry = (us: number): string => (us / (rounds * batch)).toFixed(2);
    process.stdout.write(`CPU per applied entry: ${perEntry(used.user + used.system)} us (user ${perEntry(used.user)}, system ${perEntry(used.system)}; all threads)\n`);
  } finally {
    await machine.close();
    await remove();
  }
}

await main();
