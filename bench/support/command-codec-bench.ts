/**
 * `npx tsx bench/support/command-codec-bench.ts [--count N]`: microseconds per encode and decode
 * of a replicated trade command (the leader encodes each trade once; every node decodes every
 * entry at apply), for the binary layout written now and the JSON of logs written before it.
 */
import { parseArgs } from 'node:util';
import { decodeCommand, encodeCommand, tradeCommandFor, type TradeCommand } from '../../src/bazaar/commands.js';

const COUNT_DEFAULT = 200_000;
const DISTINCT = 1000;

function perCallUs(count: number, run: (i: number) => unknown): number {
  for (let i = 0; i < Math.min(count, 20_000); i++) run(i); // warm up the JIT
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) run(i);
  return Number(process.hrtime.bigint() - start) / 1000 / count;
}

function legacyJson(command: TradeCommand): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: 1, ...command }));
}

function main(): void {
  const { values } = parseArgs({ options: { count: { type: 'string' } } });
  const count = values.count === undefined ? COUNT_DEFAULT : Number(values.count);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be an integer >= 1, got ${values.count}`);
  const commands = Array.from({ length: DISTINCT }, (_, i) =>
    tradeCommandFor({ name: `sym${i}`, type: i % 2 === 0 ? 'BUY' : 'SELL', quantity: 1 + i }, i % 4 === 0 ? `key-${i}` : null, { price: 100 + i / 7, executedAtMs: 1_765_000_000_000 + i }),
  );
  const binary = commands.map(encodeCommand);
  const json = commands.map(legacyJson);
  const at = (i: number): number => i % DISTINCT;
  const rows: [string, number, number][] = [
    ['encode (binary, written)', perCallUs(count, (i) => encodeCommand(commands[at(i)] as TradeCommand)), binary[1]?.length ?? 0],
    ['decode binary', perCallUs(count, (i) => decodeCommand(binary[at(i)] as Uint8Array)), binary[1]?.length ?? 0],
    ['decode JSON (logs written before)', perCallUs(count, (i) => decodeCommand(json[at(i)] as Uint8Array)), json[1]?.length ?? 0],
  ];
  process.stdout.write(`| operation | us per call | bytes (no key) |\n| --- | --- | --- |\n`);
  for (const [name, us, bytes] of rows) process.stdout.write(`| ${name} | ${us.toFixed(2)} | ${bytes} |\n`);
}

main();
