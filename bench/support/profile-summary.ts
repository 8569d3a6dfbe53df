/**
 * `tsx bench/support/profile-summary.ts <file.cpuprofile>... [--top N]`: the top self-time
 * frames of V8 CPU profiles (as written by `--cpu-prof-dir`), each as a share of one core over
 * the profile's wall time, plus self time grouped by hot-path cost centre (share of busy time)
 * and by package (node_modules/<pkg>, node:internal, project directory); with `--inclusive`,
 * also the top frames by inclusive time (the frame and everything it called). Prints markdown tables.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export const TOP_DEFAULT = 25;

/** Self microseconds per key, from the sample stream. */
export function selfTimes(profile: CpuProfile, keyOf: (frame: CallFrame) => string): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const totals = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = byId.get(profile.samples[i] ?? -1);
    const delta = profile.timeDeltas[i + 1] ?? 0;
    if (frame === undefined) continue;
    const key = keyOf(frame);
    totals.set(key, (totals.get(key) ?? 0) + delta);
  }
  return totals;
}

/**
 * Inclusive microseconds per key: a sample counts once for every distinct key on its stack
 * (the sampled frame and all its callers), so recursion is not counted twice.
 */
export function inclusiveTimes(profile: CpuProfile, keyOf: (frame: CallFrame) => string): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const totals = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i + 1] ?? 0;
    const seen = new Set<string>();
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parentOf.get(id)) {
      const node = byId.get(id);
      if (node === undefined) break;
      const key = keyOf(node.callFrame);
      if (node.callFrame.functionName === '(idle)' || node.callFrame.functionName === '(root)') continue;
      if (!seen.has(key)) totals.set(key, (totals.get(key) ?? 0) + delta);
      seen.add(key);
    }
  }
  return totals;
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const marks = ['/raft/', '/src/', '/cluster/', '/bench/'];
  for (const mark of marks) {
    const at = url.lastIndexOf(mark);
    if (at >= 0) return url.slice(at + 1);
  }
  return url;
}

export function frameKey(frame: CallFrame): string {
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  if (frame.url === '') return name;
  return `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

export function packageKey(frame: CallFrame): string {
  const url = frame.url;
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') === true ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  const dir = shortUrl(url).split('/');
  return dir.length > 1 ? `${dir[0] ?? ''}/${dir[1] ?? ''}` : url;
}

/** Hot-path cost centres (first match wins), as bench/README.md's profile summary reports them. */
export const CATEGORIES: readonly (readonly [string, (frame: CallFrame) => boolean])[] = [
  ['logging (pino, sonic-boom)', (f) => /pino|sonic-boom/.test(f.url) || f.functionName === 'writeString'],
  ['order-cache scan (lru-cache)', (f) => /lru-cache/.test(f.url)],
  ['Raft status()', (f) => f.functionName === 'status' && /\/raft\//.test(f.url)],
  ['LevelDB', (f) => /classic-level|abstract-level|level-transcoder/.test(f.url)],
  ['gRPC + protobuf', (f) => /grpc-js|protobufjs|@grpc/.test(f.url)],
  ['Fastify (+ router, ajv)', (f) => /fastify|find-my-way|ajv|fast-json/.test(f.url)],
  ['ioredis', (f) => /ioredis|redis-parser/.test(f.url)],
  ['AWS SDK (price history)', (f) => /@aws-sdk|@smithy/.test(f.url)],
  ['prom-client', (f) => /prom-client/.test(f.url)],
  ['module loading (tsx, loaders)', (f) => /tsx\/|modules\/(cjs|esm)|package_json_reader/.test(f.url) || ['wrapSafe', 'compileSourceTextModule', 'readFileUtf8', 'internalModuleStat'].includes(f.functionName)],
  ['socket writes', (f) => ['writev', 'writeUtf8String', 'writeLatin1String', 'writeBuffer'].includes(f.functionName)],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
  ['project code (raft/, src/)', (f) => /\/(raft|src)\//.test(f.url)],
];

export function categoryKey(frame: CallFrame): string {
  if (frame.functionName === '(idle)') return '(idle)';
  return CATEGORIES.find(([, matches]) => matches(frame))?.[0] ?? 'other';
}

function table(totals: Map<string, number>, wallUs: number, top: number): string {
  const rows = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = ['| frame | self ms | % of one core |', '| --- | --- | --- |'];
  for (const [key, us] of rows) lines.push(`| ${key.replaceAll('|', '\\|')} | ${(us / 1000).toFixed(0)} | ${((100 * us) / wallUs).toFixed(1)} |`);
  return lines.join('\n');
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string' }, inclusive: { type: 'boolean' } } });
  const top = values.top === undefined ? TOP_DEFAULT : Number(values.top);
  if (!Number.isInteger(top) || top < 1) throw new Error(`--top must be an integer >= 1, got ${values.top}`);
  if (positionals.length === 0) throw new Error('usage: tsx bench/support/profile-summary.ts <file.cpuprofile>... [--top N]');
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const wallUs = profile.endTime - profile.startTime;
    const busy = [...selfTimes(profile, packageKey).entries()].filter(([k]) => k !== '(idle)').reduce((s, [, v]) => s + v, 0);
    process.stdout.write(`### ${basename(file)}: ${(wallUs / 1e6).toFixed(1)} s wall, busy ${((100 * busy) / wallUs).toFixed(0)}% of one core\n\n`);
    const byCategory = selfTimes(profile, categoryKey);
    byCategory.delete('(idle)');
    process.stdout.write(`${table(byCategory, busy, CATEGORIES.length + 1).replace('% of one core', '% of busy time').replace('| frame |', '| cost centre |')}\n\n`);
    process.stdout.write(`${table(selfTimes(profile, packageKey), wallUs, 15)}\n\n${table(selfTimes(profile, frameKey), wallUs, top)}\n\n`);
    if (values.inclusive === true) {
      process.stdout.write(`Inclusive (frame and its callees):\n\n${table(inclusiveTimes(profile, frameKey), wallUs, top).replace('self ms', 'inclusive ms')}\n\n`);
    }
  }
}

main();
