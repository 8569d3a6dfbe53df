/**
 * Db on the cluster module (cluster/control.ts): a fresh cluster started in this process
 * (`startCluster`, stopped by close()) or an attached one (`ClusterControl.attach`, left
 * running by close()).
 */
import { ClusterControl, startCluster, type RunningCluster } from '../cluster/control.js';
import { fetchClusterInfo } from '../cluster/node-api.js';
import type { Db } from './interfaces.js';
import { MemberDirectory } from './member-directory.js';

const HEALTH_POLL_MS = 200;

export class ClusterDb implements Db {
  /** The members clients talk to: the launcher's nodes, then what the membership nemesis changes. */
  readonly directory: MemberDirectory;

  private constructor(
    readonly control: ClusterControl,
    private readonly running: RunningCluster | null,
  ) {
    this.directory = new MemberDirectory(Object.fromEntries(control.nodes().map((n) => [n.id, n.httpUrl])));
  }

  /** `env`: extra environment for every node (e.g. RAFT_READ_MODE). */
  static async fresh(options: { nodes?: 3 | 5; redis?: string; env?: Readonly<Record<string, string>>; log?: (line: string) => void }): Promise<ClusterDb> {
    const running = await startCluster({
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.nodes === undefined ? {} : { nodes: options.nodes }),
      ...(options.redis === undefined ? {} : { redis: options.redis }),
      ...(options.log === undefined ? {} : { log: options.log }),
    });
    return new ClusterDb(running.control, running);
  }

  static async attach(dataDir: string): Promise<ClusterDb> {
    return new ClusterDb(await ClusterControl.attach(dataDir), null);
  }

  /** The current members (they change under the membership nemesis). */
  nodes(): readonly string[] {
    return this.directory.members();
  }

  nodeUrl(node: string): string {
    const url = this.directory.url(node);
    if (url === undefined) throw new Error(`unknown node ${node}`);
    return url;
  }

  async leader(): Promise<string | null> {
    return this.control.leader().catch(() => null);
  }

  kill(node: string): Promise<void> {
    return this.control.kill(node);
  }

  start(node: string): Promise<void> {
    return this.control.start(node);
  }

  pause(node: string): Promise<void> {
    return this.control.pause(node);
  }

  resume(node: string): Promise<void> {
    return this.control.resume(node);
  }

  /** Every current member answering /cluster, all agreeing on one leader that is a member. */
  async awaitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let why = 'not checked yet';
    while (Date.now() < deadline) {
      const members = this.directory.members();
      const infos = await Promise.all(members.map((id) => fetchClusterInfo(this.nodeUrl(id)).catch(() => null)));
      const silent = members.filter((_, i) => infos[i] === null);
      const leaders = new Set(infos.map((info) => info?.leader ?? null));
      const leader = leaders.size === 1 ? [...leaders][0] : null;
      if (silent.length === 0 && leader !== null && leader !== undefined && members.includes(leader)) return;
      why = silent.length > 0 ? `not answering: ${silent.join(', ')}` : `leader views: ${[...leaders].join(', ')}`;
      await new Promise((r) => setTimeout(r, HEALTH_POLL_MS));
    }
    throw new Error(`cluster not healthy within ${timeoutMs} ms (${why})`);
  }

  logsDir(): string {
    return this.control.logsDir();
  }

  async close(): Promise<void> {
    await this.running?.stop();
  }
}
