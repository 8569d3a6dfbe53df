import { makeRaftConfig, type RaftConfig } from '../config.js';
import { RaftInvariantError } from '../assert.js';
import { decodeConfEntry } from '../conf-change.js';
import { RaftCore } from '../raft-core.js';
import { createRng, seedForNode, type Rng } from '../../../common/rng.js';
import {
  EntryKind,
  MessageType,
  Role,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type ReadFailure,
  type ReadState,
  type Snapshot,
} from '../types.js';

/**
 * A deterministic in-memory cluster for scripted tests of the core: every node runs the
 * Ready protocol faithfully (persist -> send -> apply -> advance) against a durable store
 * that survives `crash`/`restart`; the network delivers messages only when told, and can
 * cut links one way or both, or drop messages by a seeded coin.
 */
export interface DurableStore {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
}

export interface TestNode {
  readonly id: NodeId;
  core: RaftCore | null;
  store: DurableStore;
  /** Application state: every applied entry in order (no-ops as `(noop tN)`). */
  applied: AppliedEntry[];
  appliedIndex: number;
  readStates: ReadState[];
  readFailures: ReadFailure[];
  /** Bootstrap configuration (a node added later boots as a learner of the cluster it joins). */
  bootVoters: readonly NodeId[];
  bootLearners: readonly NodeId[];
}

export interface AppliedEntry {
  readonly index: number;
  readonly data: string;
  readonly noop: boolean;
}

export interface ClusterOptions {
  seed?: number;
  /**
   * 'mixed': every node's rng from the one seed mixed with its id (as RaftNode does);
   * 'raw': every node draws the very same numbers (no per-node jitter at all).
   */
  sameSeed?: 'mixed' | 'raw';
  config?: Partial<Omit<RaftConfig, 'id' | 'voters'>>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function appliedText(entry: Entry): string {
  if (entry.kind === EntryKind.Empty) return `(noop t${entry.term})`;
  if (entry.kind === EntryKind.ConfChange) {
    const { change } = decodeConfEntry(entry.data);
    return `(${change.type} ${change.node})`;
  }
  return decoder.decode(entry.data);
}

export class TestCluster {
  readonly nodes = new Map<NodeId, TestNode>();
  readonly ids: NodeId[];
  /** Messages in flight, in send order. */
  inflight: Message[] = [];
  /** Directed links that are cut: `${from}->${to}`. */
  private readonly cut = new Set<string>();
  private readonly rng: Rng;
  private readonly configOverrides: Partial<Omit<RaftConfig, 'id' | 'voters'>>;
  private readonly options: ClusterOptions;
  dropRate = 0;
  /** Messages delivered so far, by type (for message-count bounds). */
  readonly delivered = new Map<string, number>();

  constructor(count: number, options: ClusterOptions = {}) {
    this.ids = Array.from({ length: count }, (_, i) => `n${i + 1}`);
    this.rng = createRng(options.seed ?? 1);
    this.configOverrides = options.config ?? {};
    this.options = options;
    for (const id of this.ids) this.addNode(id, this.ids, []);
  }

  /**
   * Create and boot a node with an empty store. A node joining a running cluster boots with
   * that cluster's voters and itself as a learner (it learns the real configuration from the leader).
   */
  addNode(id: NodeId, bootVoters: readonly NodeId[], bootLearners: readonly NodeId[]): void {
    if (this.nodes.has(id)) throw new Error(`node ${id} exists`);
    const node: TestNode = {
      id,
      core: null,
      store: { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [] },
      applied: [],
      appliedIndex: 0,
      readStates: [],
      readFailures: [],
      bootVoters: [...bootVoters],
      bootLearners: [...bootLearners],
    };
    this.nodes.set(id, node);
    if (!this.ids.includes(id)) this.ids.push(id);
    this.boot(node);
  }

  node(id: NodeId): TestNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  core(id: NodeId): RaftCore {
    const core = this.node(id).core;
    if (core === null) throw new Error(`node ${id} is down`);
    return core;
  }

  private boot(node: TestNode): void {
    const config = makeRaftConfig(node.id, node.bootVoters, { ...this.configOverrides, learners: node.bootLearners });
    const seed = this.options.seed ?? 1;
    const rng =
      this.options.sameSeed === 'raw' ? createRng(seed) : this.options.sameSeed === 'mixed' ? createRng(seedForNode(seed, node.id)) : this.rng.fork();
    node.core = new RaftCore(config, rng, {
      hardState: node.store.hardState,
      snapshot: node.store.snapshot,
      entries: node.store.entries,
    });
    const snap = node.store.snapshot;
    node.applied = snap === null ? [] : (JSON.parse(decoder.decode(snap.data)) as AppliedEntry[]);
    node.appliedIndex = snap?.meta.index ?? 0;
  }

  /** Stop a node: everything not persisted is lost; its in-flight messages stay in the network. */
  crash(id: NodeId): void {
    this.node(id).core = null;
  }

  restart(id: NodeId): void {
    const node = this.node(id);
    if (node.core !== null) throw new Error(`node ${id} is running`);
    this.boot(node);
  }

  isolate(id: NodeId): void {
    for (const other of this.ids) {
      if (other !== id) {
        this.cut.add(`${id}->${other}`);
        this.cut.add(`${other}->${id}`);
      }
    }
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}->${to}`);
  }

  partition(...groups: NodeId[][]): void {
    this.heal();
    for (const a of groups) {
      for (const b of groups) {
        if (a === b) continue;
        for (const x of a) for (const y of b) this.cut.add(`${x}->${y}`);
      }
    }
  }

  heal(): void {
    this.cut.clear();
  }

  /** Run the Ready loop of every live node once. */
  processReadies(): boolean {
    let any = false;
    for (const node of this.nodes.values()) {
      const core = node.core;
      if (core === null || !core.hasReady()) continue;
      any = true;
      const ready = core.ready();
      // 1. persist
      if (ready.hardState !== null) node.store.hardState = ready.hardState;
      if (ready.snapshot !== null) {
        node.store.snapshot = ready.snapshot;
        node.store.entries = [];
      }
      const first = ready.entries[0];
      if (first !== undefined) {
        node.store.entries = node.store.entries.filter((e) => e.index < first.index).concat(ready.entries);
      }
      if (ready.hardState !== null) this.checkCommitQuorum(node, core);
      // 2. send
      for (const m of ready.messages) {
        if (!this.cut.has(`${m.from}->${m.to}`) && !(this.dropRate > 0 && this.rng.chance(this.dropRate))) {
          this.inflight.push(m);
        }
      }
      // 3. apply
      if (ready.snapshot !== null) {
        node.applied = JSON.parse(decoder.decode(ready.snapshot.data)) as AppliedEntry[];
        node.appliedIndex = ready.snapshot.meta.index;
      }
      for (const entry of ready.committedEntries) {
        if (entry.index !== node.appliedIndex + 1) {
          throw new Error(`${node.id} applies ${entry.index} after ${node.appliedIndex}`);
        }
        node.appliedIndex = entry.index;
        const noop = entry.kind === EntryKind.Empty;
        node.applied.push({ index: entry.index, data: appliedText(entry), noop });
      }
      node.readStates.push(...ready.readStates);
      node.readFailures.push(...ready.readFailures);
      // 4. advance
      core.advance(ready);
    }
    return any;
  }

  /**
   * Invariant: a leader's commit index is held, durably, by a quorum of the voters of the
   * configuration in effect on it when it commits.
   */
  private checkCommitQuorum(node: TestNode, core: RaftCore): void {
    const st = core.status();
    if (st.role !== Role.Leader) return;
    const c = st.commit;
    const entry = node.store.entries.find((e) => e.index === c);
    if (entry === undefined) return; // committed inside a snapshot
    const holders = st.voters.filter((v) => {
      const store = this.nodes.get(v)?.store;
      return store?.entries.some((e) => e.index === c && e.term === entry.term) === true;
    });
    if (holders.length < Math.floor(st.voters.length / 2) + 1) {
      throw new RaftInvariantError(`${node.id} committed ${c} held by [${holders.join(' ')}] of voters [${st.voters.join(' ')}]`);
    }
  }

  /** Deliver in-flight messages (optionally only some) and process readies until quiet. */
  stabilize(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      const progressed = this.processReadies();
      if (this.inflight.length === 0 && !progressed) return;
      this.deliverAll();
    }
    throw new Error(`cluster did not stabilize within ${maxRounds} rounds`);
  }

  deliverAll(): void {
    const batch = this.inflight;
    this.inflight = [];
    for (const m of batch) this.deliver(m);
  }

  deliver(m: Message): void {
    const target = this.nodes.get(m.to)?.core;
    if (target === null || target === undefined || this.cut.has(`${m.from}->${m.to}`)) return;
    this.delivered.set(m.type, (this.delivered.get(m.type) ?? 0) + 1);
    target.step(m);
  }

  /** Tick every live node `n` times, stabilizing after each tick. */
  tick(n = 1, only?: readonly NodeId[]): void {
    for (let i = 0; i < n; i++) {
      for (const node of this.nodes.values()) {
        if (node.core !== null && (only === undefined || only.includes(node.id))) node.core.tick();
      }
      this.stabilize();
    }
  }

  /** Tick until some node is leader (and, when given, among `within`). */
  waitLeader(maxTicks = 200, within?: readonly NodeId[]): NodeId {
    for (let i = 0; i < maxTicks; i++) {
      const leader = this.leader(within);
      if (leader !== null) return leader;
      this.tick();
    }
    throw new Error('no leader elected');
  }

  /** The live leader with the highest term (among `within`), or null. */
  leader(within?: readonly NodeId[]): NodeId | null {
    let best: { id: NodeId; term: number } | null = null;
    for (const node of this.nodes.values()) {
      if (node.core === null || (within !== undefined && !within.includes(node.id))) continue;
      const st = node.core.status();
      if (st.role === Role.Leader && (best === null || st.term > best.term)) best = { id: node.id, term: st.term };
    }
    return best?.id ?? null;
  }

  leaders(): NodeId[] {
    return this.ids.filter((id) => this.nodes.get(id)?.core?.status().role === Role.Leader);
  }

  propose(id: NodeId, data: string): ReturnType<RaftCore['propose']> {
    return this.core(id).propose(encoder.encode(data));
  }

  appliedData(id: NodeId): string[] {
    return this.node(id).applied.filter((a) => !a.noop).map((a) => a.data);
  }

  /** Take an application snapshot at the node's applied index and compact. */
  snapshot(id: NodeId): void {
    const node = this.node(id);
    const data = encoder.encode(JSON.stringify(node.applied));
    const { snapshot, firstIndex } = this.core(id).compact(node.appliedIndex, data);
    node.store.snapshot = snapshot;
    node.store.entries = node.store.entries.filter((e) => e.index >= firstIndex);
  }

  countDelivered(type: (typeof MessageType)[keyof typeof MessageType]): number {
    return this.delivered.get(type) ?? 0;
  }
}
