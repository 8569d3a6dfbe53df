/**
 * Db on the cluster module (cluster/control.ts): a fresh cluster started in this process
 * (`startCluster`, stopped by close()) or an attached one (`ClusterControl.attach`, left
 * running by close()).
 */
import { ClusterControl, startCluster, type RunningCluster } from '../cluster/control.js';
import type { Db } from './interfaces.js';

const HEALTH_POLL_MS = 200;

export class ClusterDb implements Db {
  private constructor(
    readonly control: ClusterControl,
    private readonly running: RunningCluster | null,
  ) {}

  static async fresh(options: { nodes?: 3 | 5; redis?: string; log?: (line: string) => void }): Promise<ClusterDb> {
    const running = await startCluster({
      ...(options.nodes === undefined ? {} : { nodes: options.nodes }),
      ...(options.redis === undefined ? {} : { redis: options.redis }),
      ...(options.log === undefined ? {} : { log: options.log }),
    });
    return new ClusterDb(running.control, running);
  }

  static async attach(dataDir: string): Promise<ClusterDb> {
    return new ClusterDb(await ClusterControl.attach(dataDir), null);
  }

  nodes(): readonly string[] {
    return this.control.nodeIds();
  }

  nodeUrl(node: string): string {
    return this.control.nodeUrl(node);
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

  /** Every node up and answering /cluster, all agreeing on one leader. */
  async awaitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let why = 'not checked yet';
    while (Date.now() < deadline) {
      const st = await this.control.status().catch((err: Error) => err);
      if (st instanceof Error) why = st.message;
      else {
        const silent = st.nodes.filter((n) => n.process !== 'up' || n.cluster === null).map((n) => n.id);
        const leaders = new Set(st.nodes.map((n) => n.cluster?.leader ?? null));
        if (silent.length === 0 && st.leader !== null && leaders.size === 1) return;
        why = silent.length > 0 ? `not answering: ${silent.join(', ')}` : `leader views: ${[...leaders].join(', ')}`;
      }
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
