/**
 * Local 3-node Raft demo: three child processes (one member each) on loopback over gRPC with
 * LevelDB logs in a temp dir. Prints the leader, commits a few entries, shows them applied on
 * every node, then keeps running until Ctrl-C / SIGTERM, which stops every child.
 *   tsx raft/demo/demo-main.ts [--entries 5] [--keep-data] [--exit-after-demo]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DemoCluster } from './demo-cluster.js';

interface ProposeAnswer {
  readonly index: number;
  readonly term: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { entries: { type: 'string', default: '5' }, 'keep-data': { type: 'boolean' }, 'exit-after-demo': { type: 'boolean' } },
  });
  const entries = Number(values.entries);
  if (!Number.isInteger(entries) || entries < 1 || entries > 1000) throw new Error(`--entries must be an integer in [1, 1000], got ${values.entries}`);
  const rootDir = await mkdtemp(join(tmpdir(), 'raft-demo-'));
  const cluster = await DemoCluster.create({ rootDir });
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('stopping the demo members...');
    await cluster.stopAll();
    if (values['keep-data'] !== true) await rm(rootDir, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  process.on('exit', () => cluster.killAllNow());
  console.log(`data and member logs in ${rootDir}`);
  await cluster.startAll();
  for (const id of cluster.ids) console.log(`member ${id} pid ${cluster.pid(id)}`);
  const leader = await cluster.waitForLeader(15_000);
  const { term } = await cluster.status(leader);
  console.log(`leader: ${leader} (term ${term})`);
  for (let i = 1; i <= entries; i++) {
    const { status, body } = await cluster.request<ProposeAnswer>(leader, 'POST', `/propose?key=demo-${i}&value=hello-${i}`);
    if (status !== 200) throw new Error(`propose ${i} answered ${status}: ${JSON.stringify(body)}`);
    console.log(`committed demo-${i}=hello-${i} at index ${body.index} (term ${body.term})`);
  }
  for (const id of cluster.ids) {
    const values = await Promise.all(
      Array.from({ length: entries }, (_, i) => cluster.request<{ value: string | null }>(id, 'GET', `/read?key=demo-${i + 1}`)),
    );
    const status = await cluster.status(id);
    console.log(`${id} (${status.role}, applied ${status.applied}): ${values.map((v, i) => `demo-${i + 1}=${v.body.value}`).join(' ')}`);
  }
  if (values['exit-after-demo'] === true) return stop(0);
  for (const id of cluster.ids) console.log(`${id} control: ${cluster.httpUrl(id)}/status  log: ${join(rootDir, `${id}.log`)}`);
  console.log('press Ctrl-C to stop');
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${(error as Error).message}`);
  process.exit(1);
});
