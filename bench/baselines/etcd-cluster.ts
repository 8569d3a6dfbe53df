/**
 * Trade baseline: a 3-member etcd cluster on loopback (default fsync on), loaded with one
 * put per request through its JSON gateway (POST /v3/kv/put, base64 key and value).
 * The benchmark installs nothing: without an `etcd` binary on PATH this baseline is skipped.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from '../support/child-process.js';
import { reserveFreePort } from '../../raft/index.js';
import { HttpMethod, type RequestSpec } from '../load/types.js';

export const ETCD_MEMBERS = 3;
export const ETCD_READY_TIMEOUT_MS = 30_000;
export const ETCD_MISSING_MESSAGE = 'etcd not found on PATH (Debian: apt-get install etcd-server); trade baseline skipped';

export interface EtcdCluster {
  /** Client (gateway) URLs, one per member. */
  clientUrls: string[];
  version: string;
  pids: number[];
  /** The client URL of the current leader. */
  leaderUrl(): Promise<string>;
  stop(): Promise<void>;
}

/** Path of the etcd binary, or null when there is none on PATH. */
export function findEtcd(): string | null {
  try {
    const out = execFileSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out === '' ? null : out;
  } catch {
    return null;
  }
}

export async function startEtcdCluster(etcdPath: string): Promise<EtcdCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'bazaar-bench-etcd-'));
  const ports = await uniquePorts(ETCD_MEMBERS * 2);
  const peerUrl = (i: number): string => `http://127.0.0.1:${ports[ETCD_MEMBERS + i]}`;
  const clientUrls = Array.from({ length: ETCD_MEMBERS }, (_, i) => `http://127.0.0.1:${ports[i]}`);
  const initialCluster = clientUrls.map((_, i) => `m${i + 1}=${peerUrl(i)}`).join(',');
  const token = `bench-${process.pid}-${Date.now()}`;
  const children: ChildProcess[] = clientUrls.map((clientUrl, i) =>
    spawn(etcdPath, [
      '--name', `m${i + 1}`,
      '--data-dir', join(dir, `m${i + 1}`),
      '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl,
      '--listen-peer-urls', peerUrl(i), '--initial-advertise-peer-urls', peerUrl(i),
      '--initial-cluster', initialCluster, '--initial-cluster-state', 'new', '--initial-cluster-token', token,
      '--logger', 'zap', '--log-level', 'error',
    ], { stdio: ['ignore', 'ignore', 'pipe'] }),
  );
  let stderr = '';
  for (const c of children) c.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => stopChild(c)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(clientUrls, ETCD_READY_TIMEOUT_MS);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}; etcd stderr: ${stderr}`);
  }
  return {
    clientUrls,
    version: execFileSync(etcdPath, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? 'etcd',
    pids: children.map((c) => c.pid ?? -1),
    leaderUrl: () => etcdLeader(clientUrls),
    stop,
  };
}

async function uniquePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await reserveFreePort());
  return [...ports];
}

async function waitHealthy(urls: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const url of urls) {
    for (;;) {
      try {
        const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
        const body = (await res.json()) as { health?: unknown };
        if (res.ok && body.health === 'true') break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`etcd member ${url} not healthy within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function etcdLeader(urls: string[]): Promise<string> {
  for (const url of urls) {
    const res = await fetch(`${url}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { header?: { member_id?: string }; leader?: string };
    if (body.header?.member_id !== undefined && body.header.member_id === body.leader) return url;
  }
  throw new Error('etcd: no member reports itself as leader');
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** Put requests over `keyCount` keys, each value a small trade-like JSON document. */
export function etcdPutRequests(keyCount: number, tag = 'put'): RequestSpec[] {
  return Array.from({ length: keyCount }, (_, i) => ({
    method: HttpMethod.Post,
    path: '/v3/kv/put',
    body: JSON.stringify({
      key: b64(`bench/orders/${i}`),
      value: b64(JSON.stringify({ name: `s${i}`, quantity: 1, type: 'BUY' })),
    }),
    tag,
  }));
}
