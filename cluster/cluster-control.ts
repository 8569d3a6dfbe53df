import { resolve } from 'node:path';
import { ControlClient } from './control-client.js';
import { FaultLinks, type LinkState } from './fault-links.js';
import { isAlive } from './launcher-data-dir.js';
import { redactRedisUrl } from '../src/cache/redis-server.js';
import { FAULT_TOKEN_HEADER } from '../src/exchange/exchange-server.js';
import { readLauncherFile, type ExchangeEntry, type LauncherFile, type NodeEntry } from './launcher-file.js';
import { fetchClusterInfo, pickLeader, requestTransfer, type ClusterInfo } from './node-api.js';
import { completeGroups, ISOLATE_LEADER, linksBetweenGroups, parseGroups } from './partition.js';
import type { ProcessOp, ProcessOps } from './process-ops.js';
import type { ChildState } from './supervised-child.js';

/**
 * Operations on a running local cluster, for the CLI (`npm run cluster`), jepsen-lite and
 * bench: process control through the launcher (it owns the children), partitions through the
 * Toxiproxy API, leadership through the nodes' HTTP API. Get one with `ClusterControl.attach`
 * (from `<data>/launcher.json`) or from `startCluster(...)` (in-process launcher).
 */
export interface NodeStatus {
  readonly id: string;
  readonly pid: number | null;
  readonly process: ChildState;
  /** From GET /cluster; null when the node did not answer (down, paused, starting). */
  readonly cluster: ClusterInfo | null;
  readonly probeError: string | null;
  /** Peers this node cannot send to / receive from (cut proxies). */
  readonly cutTo: readonly string[];
  readonly cutFrom: readonly string[];
}

export interface ClusterStatus {
  readonly nodes: readonly NodeStatus[];
  readonly leader: string | null;
  readonly term: number;
  /** Links with a cut proxy or a toxic. */
  readonly faultyLinks: readonly LinkState[];
}

const LEADER_POLL_MS = 50;
export const TRANSFER_WAIT_MS = 5_000;
const EXCHANGE_TIMEOUT_MS = 5_000;

export class ClusterControl {
  private readonly links: FaultLinks;

  constructor(
    private readonly info: LauncherFile,
    private readonly ops: ProcessOps,
  ) {
    this.links = new FaultLinks(info.toxiproxyUrl, info.proxies, info.clusterToken);
  }

  /** Attach to the launcher whose data dir is `dataDir` (default ./data). */
  static async attach(dataDir = 'data'): Promise<ClusterControl> {
    const dir = resolve(dataDir);
    const info = await readLauncherFile(dir);
    if (!info.running || !isAlive(info.launcherPid)) {
      throw new Error(`no launcher running on ${dir} (launcher pid ${info.launcherPid} has stopped); start one with npm start`);
    }
    return new ClusterControl(info, new ControlClient(info.controlUrl, info.controlToken));
  }

  /** The cluster token (admin routes of the nodes). */
  clusterToken(): string {
    return this.info.clusterToken;
  }

  /** Membership: the launcher starts node `id` joining as a learner (see member-ops.ts). */
  addNodeProcess(id: string): Promise<NodeEntry> {
    return this.ops.addNode(id);
  }

  /**
   * Clock nemesis: SIGKILL `node` and start it with its clocks at `rate` x real time (faketime);
   * rate 1 starts it with the real clock again.
   */
  async setClockRate(node: string, rate: number): Promise<void> {
    this.node(node);
    await this.ops.setClockRate(node, rate);
  }

  nodeIds(): string[] {
    return this.info.nodes.map((n) => n.id);
  }

  nodes(): readonly NodeEntry[] {
    return this.info.nodes;
  }

  /** HTTP base URLs of the nodes, in id order. */
  nodeUrls(): string[] {
    return this.info.nodes.map((n) => n.httpUrl);
  }

  nodeUrl(id: string): string {
    return this.node(id).httpUrl;
  }

  exchangeUrls(): string[] {
    return this.info.exchanges.map((e) => e.url);
  }

  logsDir(): string {
    return this.info.logsDir;
  }

  dataDir(): string {
    return this.info.dataDir;
  }

  redisUrl(): string | null {
    return this.info.redis?.url ?? null;
  }

  async status(): Promise<ClusterStatus> {
    const [processes, linkStates] = await Promise.all([this.ops.processes(), this.links.states()]);
    const nodes = await Promise.all(
      this.info.nodes.map(async (node): Promise<NodeStatus> => {
        const view = processes.find((p) => p.name === node.id);
        const state: ChildState = view?.state ?? 'down';
        let cluster: ClusterInfo | null = null;
        let probeError: string | null = null;
        if (state === 'up') {
          try {
            cluster = await fetchClusterInfo(node.httpUrl);
          } catch (error) {
            probeError = (error as Error).message;
          }
        }
        const cut = linkStates.filter((l) => !l.enabled);
        return {
          id: node.id,
          pid: view?.pid ?? null,
          process: state,
          cluster,
          probeError,
          cutTo: cut.filter((l) => l.link.from === node.id).map((l) => l.link.to),
          cutFrom: cut.filter((l) => l.link.to === node.id).map((l) => l.link.from),
        };
      }),
    );
    const view = pickLeader(nodes.flatMap((n) => (n.cluster === null ? [] : [n.cluster])));
    return { nodes, leader: view.leader, term: view.term, faultyLinks: linkStates.filter((l) => !l.enabled || l.toxics.length > 0) };
  }

  kill(node: string): Promise<void> {
    return this.nodeOp(node, 'kill');
  }

  start(node: string): Promise<void> {
    return this.nodeOp(node, 'start');
  }

  restart(node: string): Promise<void> {
    return this.nodeOp(node, 'restart');
  }

  pause(node: string): Promise<void> {
    return this.nodeOp(node, 'pause');
  }

  resume(node: string): Promise<void> {
    return this.nodeOp(node, 'resume');
  }

  /**
   * Heal, then cut every link between different groups. `spec`: `n1|n2,n3`, explicit groups,
   * or 'isolate-leader'. Returns the groups applied.
   */
  async partition(spec: string | readonly (readonly string[])[]): Promise<string[][]> {
    const ids = this.nodeIds();
    let groups: string[][];
    if (spec === ISOLATE_LEADER) {
      const leader = await this.leader();
      groups = [[leader], ids.filter((id) => id !== leader)];
    } else if (typeof spec === 'string') {
      groups = parseGroups(spec, ids);
    } else {
      groups = completeGroups(spec, ids);
    }
    await this.links.heal();
    await this.links.cut(linksBetweenGroups(groups));
    return groups;
  }

  /** Cut only `from` -> `to`: `from`'s messages to `to` are lost; the other direction works. */
  async cutOneWay(from: string, to: string): Promise<void> {
    this.node(from);
    this.node(to);
    if (from === to) throw new Error(`cannot cut a node from itself (${from})`);
    await this.links.cut([{ from, to }]);
  }

  /** The current leader's id; waits up to `waitMs` for one; throws when there is none. */
  async leader(waitMs = 0): Promise<string> {
    const deadline = Date.now() + waitMs;
    while (true) {
      const infos = await this.probeAll();
      const { leader, term } = pickLeader(infos);
      if (leader !== null) return leader;
      if (Date.now() >= deadline) throw new Error(`no leader (highest term seen ${term}, ${infos.length} of ${this.info.nodes.length} nodes answered)`);
      await new Promise((r) => setTimeout(r, LEADER_POLL_MS));
    }
  }

  /** Wait for a leader other than `exclude` (after killing or isolating the old one). */
  async waitForNewLeader(exclude: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const leader = await this.leader().catch(() => null);
      if (leader !== null && leader !== exclude) return leader;
      if (Date.now() >= deadline) throw new Error(`no leader other than ${exclude} within ${timeoutMs} ms (now: ${leader ?? 'none'})`);
      await new Promise((r) => setTimeout(r, LEADER_POLL_MS));
    }
  }

  /** Hand leadership to `to` and wait until it leads. */
  async transfer(to: string): Promise<void> {
    this.node(to);
    const leader = await this.leader();
    if (leader === to) return;
    await requestTransfer(this.nodeUrl(leader), to, this.info.clusterToken);
    const deadline = Date.now() + TRANSFER_WAIT_MS;
    while (true) {
      const now = await this.leader().catch(() => null);
      if (now === to) return;
      if (Date.now() >= deadline) throw new Error(`leadership did not move to ${to} within ${TRANSFER_WAIT_MS} ms (leader: ${now ?? 'none'})`);
      await new Promise((r) => setTimeout(r, LEADER_POLL_MS));
    }
  }

  /** POST /mock/faults on exchange `n` (1-based index or id such as exchange2): faults merge. */
  exchangeFaults(n: number | string, faults: Record<string, unknown>): Promise<unknown> {
    return this.exchangePost(this.exchange(n), '/mock/faults', faults);
  }

  /** POST /mock/faults/reset on exchange `n`: every fault off. */
  exchangeReset(n: number | string): Promise<unknown> {
    return this.exchangePost(this.exchange(n), '/mock/faults/reset', {});
  }

  /** Every link back: proxies enabled, toxics removed (exchange faults stay). */
  healLinks(): Promise<void> {
    return this.links.heal();
  }

  /** Every link back (proxies enabled, toxics removed) and every exchange's faults off. */
  async heal(): Promise<void> {
    await this.links.heal();
    await Promise.all(this.info.exchanges.map((exchange) => this.exchangePost(exchange, '/mock/faults/reset', {})));
  }

  private exchange(n: number | string): ExchangeEntry {
    const exchange = typeof n === 'number' ? this.info.exchanges[n - 1] : this.info.exchanges.find((e) => e.id === n || e.id === `exchange${n}`);
    if (exchange === undefined) throw new Error(`unknown exchange ${n} (have 1..${this.info.exchanges.length})`);
    return exchange;
  }

  private async exchangePost(exchange: ExchangeEntry, path: string, body: Record<string, unknown>): Promise<unknown> {
    const response = await fetch(`${exchange.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [FAULT_TOKEN_HEADER]: this.info.clusterToken },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${exchange.id} refused ${path} (${response.status}): ${text}`);
    return JSON.parse(text) as unknown;
  }

  async redisKill(): Promise<void> {
    this.requireManagedRedis();
    await this.ops.act('redis', 'kill');
  }

  async redisRestart(): Promise<void> {
    this.requireManagedRedis();
    const view = (await this.ops.processes()).find((p) => p.name === 'redis');
    await this.ops.act('redis', view?.pid === null ? 'start' : 'restart');
  }

  private requireManagedRedis(): void {
    if (this.info.redis === null) throw new Error('this cluster runs without Redis');
    if (!this.info.redis.managed) throw new Error(`Redis at ${redactRedisUrl(this.info.redis.url)} is not started by the launcher (REDIS_URL): cannot kill or restart it`);
  }

  private async probeAll(): Promise<ClusterInfo[]> {
    const answers = await Promise.all(this.info.nodes.map((n) => fetchClusterInfo(n.httpUrl).catch(() => null)));
    return answers.filter((a): a is ClusterInfo => a !== null);
  }

  private async nodeOp(node: string, op: ProcessOp): Promise<void> {
    this.node(node);
    await this.ops.act(node, op);
  }

  private node(id: string): NodeEntry {
    const node = this.info.nodes.find((n) => n.id === id);
    if (node === undefined) throw new Error(`unknown node "${id}" (nodes: ${this.nodeIds().join(', ')})`);
    return node;
  }
}
