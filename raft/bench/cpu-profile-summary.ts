/**
 * Summarize a .cpuprofile: self time by function and by package/file, top N.
 *   npx tsx raft/bench/cpu-profile-summary.ts FILE [--top 30]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function bucketOf(url: string): string {
  if (url === '') return '(native/vm)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') === true ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return url;
  const raft = url.indexOf('/raft/');
  return raft >= 0 ? url.slice(raft + 1) : url;
}

function top(map: Map<string, number>, totalUs: number, n: number): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' } } });
  const file = positionals[0];
  if (file === undefined) throw new Error('usage: cpu-profile-summary FILE [--top N]');
  const n = Number(values.top);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  const byBucket = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    totalUs += us;
    if (frame.functionName === '(idle)') idleUs += us;
    const name = `${frame.functionName || '(anonymous)'} ${bucketOf(frame.url)}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byBucket.set(bucketOf(frame.url), (byBucket.get(bucketOf(frame.url)) ?? 0) + us);
  }
  console.log(`${file}: ${(totalUs / 1000).toFixed(0)} ms sampled, ${(((totalUs - idleUs) / totalUs) * 100).toFixed(1)}% busy`);
  console.log('-- self time by package/file');
  for (const line of top(byBucket, totalUs, n)) console.log(line);
  console.log('-- self time by function');
  for (const line of top(byFunction, totalUs, n)) console.log(line);
}

main();
