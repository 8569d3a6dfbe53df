import { RaftInvariantError } from '../assert.js';
import type { RaftConfig } from '../config.js';
import { ConfChangeType, type ConfChange } from '../conf-change.js';
import { EntryKind, Role, type NodeId } from '../types.js';
import { type ClusterOptions, TestCluster } from './test-cluster.js';

/**
 * Scripted interaction tests in the style of etcd raft's datadriven `testdata/*.txt`:
 * each block is a command, a `----` line, and the expected output. After every command
 * the safety invariants are checked (one leader per term, no two nodes applying different
 * data at one index, commit never decreasing); a violation fails the test whatever the
 * transcript says. Commands:
 *
 *   cluster n=3 [seed=1] [prevote=true] [checkquorum=true] [lease=false] [same-seed=mixed|raw] [keep=N] [max-inflight=N] [max-entries=N]
 *   lease nX on|off            the driver's clock says nX's read lease holds (on) or expired (off)
 *   tick [N] [only=n1,n2]      tick live nodes N times, delivering everything after each
 *   campaign nX                start an election on nX, then deliver until quiet
 *   campaign-hold nX           start an election on nX, keep its messages in the network
 *   tick-hold nX               tick nX once, keep its messages in the network
 *   propose nX data [N]        propose data (N copies: data-0..), print the outcome
 *   propose-many nX N          propose N entries, print one summary line
 *   stabilize                  deliver and process until quiet
 *   hold                       process readies but keep messages in the network
 *   drop                       drop every in-flight message
 *   deliver [from->to]         deliver in-flight messages (of one link), then process
 *   isolate nX | cut a->b | partition n1,n2|n3 | heal
 *   crash nX | restart nX
 *   read nX ctx                ReadIndex request, print read states/failures after stabilizing
 *   reads nX                   every read served or failed on nX so far
 *   transfer nX to             leadership transfer requested at nX
 *   snapshot nX                application snapshot + compaction at nX's applied index
 *   status                     one line per node
 *   applied                    applied data per node (last 6 shown)
 *   msgs                       count of delivered messages by type since the last `msgs`
 *   alias name=leader|followerN  bind a name to the node a role word resolves to now
 *   add-node nX                boot an empty node that joins as a learner (bootstrap: the leader's voters)
 *   conf nX add-learner|add-voter|promote|remove nY   propose a membership change at nX
 *   members                    each node's view of the configuration
 *
 * In arguments, `leader` and `follower1`, `follower2`, ... resolve to the current leader
 * and live followers (in id order), and alias names to their bound node.
 *   drop-rate P                drop each sent message with probability P (seeded)
 */
export class InteractionEnv {
  private cluster: TestCluster | null = null;
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly appliedAt = new Map<number, string>();
  private readonly lastCommit = new Map<NodeId, number>();
  private msgBaseline = new Map<string, number>();

  private readonly aliases = new Map<string, NodeId>();

  run(command: string, args: string[]): string {
    if (command === 'alias') return this.alias(args);
    const out = this.dispatch(command, args.map((a) => this.resolve(a)));
    this.checkInvariants();
    return out;
  }

  /** `alias old=leader`: bind a name to the node a role word resolves to right now. */
  private alias(args: string[]): string {
    const lines: string[] = [];
    for (const a of args) {
      const [name, target] = a.split('=');
      if (name === undefined || target === undefined) throw new Error(`alias needs name=target, got ${a}`);
      const id = this.resolve(target);
      this.aliases.set(name, id);
      lines.push(`${name} = ${id}`);
    }
    return lines.join('\n');
  }

  /**
   * Role words in arguments: `leader` is the current leader, `follower1`, `follower2`, ...
   * the live non-leaders in id order; alias names resolve to what they were bound to.
   */
  private resolve(arg: string): string {
    return arg.replace(/[A-Za-z][A-Za-z0-9]*/g, (word) => {
      const bound = this.aliases.get(word);
      if (bound !== undefined) return bound;
      if (word === 'leader') {
        return this.c().leader() ?? 'none';
      }
      const m = /^follower(\d+)$/.exec(word);
      if (m !== null) {
        const c = this.c();
        const leader = c.leader();
        const followers = c.ids.filter((id) => id !== leader && c.node(id).core !== null);
        const id = followers[Number(m[1]) - 1];
        if (id === undefined) throw new Error(`no ${word}`);
        return id;
      }
      return word;
    });
  }

  private c(): TestCluster {
    if (this.cluster === null) throw new Error('no cluster: start with `cluster n=3`');
    return this.cluster;
  }

  private dispatch(cmd: string, args: string[]): string {
    const kv = parseKv(args);
    switch (cmd) {
      case 'cluster':
        return this.newCluster(kv);
      case 'tick': {
        const n = Number(args.find((a) => /^\d+$/.test(a)) ?? '1');
        const only = kv.get('only')?.split(',');
        this.c().tick(n, only);
        return this.leaderLine();
      }
      case 'campaign':
        this.c().core(arg(args, 0)).campaign();
        this.c().stabilize();
        return this.leaderLine();
      case 'tick-hold':
        this.c().core(arg(args, 0)).tick();
        this.c().processReadies();
        return `${this.c().inflight.length} messages in flight`;
      case 'campaign-hold':
        this.c().core(arg(args, 0)).campaign();
        this.c().processReadies();
        return `${this.c().inflight.length} messages in flight`;
      case 'propose':
        return this.propose(arg(args, 0), arg(args, 1), Number(args[2] ?? '1'));
      case 'propose-many': {
        const id = arg(args, 0);
        const n = Number(arg(args, 1));
        let ok = 0;
        const errors = new Set<string>();
        for (let i = 0; i < n; i++) {
          const r = this.c().propose(id, `${id}-${i}`);
          if (r.ok) ok++;
          else errors.add(r.code);
        }
        return `${ok} accepted${errors.size > 0 ? `, rejected: ${[...errors].join(',')}` : ''}`;
      }
      case 'stabilize':
        this.c().stabilize();
        return this.leaderLine();
      case 'hold':
        this.c().processReadies();
        return `${this.c().inflight.length} messages in flight`;
      case 'drop': {
        const n = this.c().inflight.length;
        this.c().inflight = [];
        return `dropped ${n}`;
      }
      case 'deliver':
        return this.deliver(args[0]);
      default:
        return this.dispatchFaults(cmd, args);
    }
  }

  private dispatchFaults(cmd: string, args: string[]): string {
    const c = this.c();
    switch (cmd) {
      case 'isolate':
        c.isolate(arg(args, 0));
        return 'ok';
      case 'cut': {
        const [from, to] = arg(args, 0).split('->');
        c.cutLink(from ?? '', to ?? '');
        return 'ok';
      }
      case 'partition':
        c.partition(...arg(args, 0).split('|').map((g) => g.split(',')));
        return 'ok';
      case 'heal':
        c.heal();
        return 'ok';
      case 'crash':
        c.crash(arg(args, 0));
        return 'ok';
      case 'restart':
        c.restart(arg(args, 0));
        return this.statusLine(arg(args, 0));
      case 'drop-rate':
        c.dropRate = Number(arg(args, 0));
        return 'ok';
      default:
        return this.dispatchQueries(cmd, args);
    }
  }

  private dispatchQueries(cmd: string, args: string[]): string {
    const c = this.c();
    switch (cmd) {
      case 'read': {
        const id = arg(args, 0);
        const ctx = arg(args, 1);
        c.core(id).readIndex(ctx);
        c.stabilize();
        const node = c.node(id);
        const state = node.readStates.find((r) => r.context === ctx);
        const failure = node.readFailures.find((r) => r.context === ctx);
        if (state !== undefined) return `read ${ctx} at index ${state.index} (applied ${node.appliedIndex})`;
        if (failure !== undefined) return `read ${ctx} failed: ${failure.reason}`;
        return `read ${ctx} pending`;
      }
      case 'lease': {
        const on = arg(args, 1) === 'on';
        c.core(arg(args, 0)).setReadLease(on);
        return `${arg(args, 0)} lease ${on ? 'holds' : 'expired'} (lease tick ${c.core(arg(args, 0)).readLeaseTick()})`;
      }
      case 'reads': {
        const node = c.node(arg(args, 0));
        const ok = node.readStates.map((r) => `${r.context}@${r.index}`);
        const failed = node.readFailures.map((r) => `${r.context}:${r.reason}`);
        return `served [${ok.join(' ')}] failed [${failed.join(' ')}]`;
      }
      case 'transfer': {
        const r = c.core(arg(args, 0)).transferLeadership(arg(args, 1));
        c.stabilize();
        return `${r.ok ? 'ok' : r.code}; ${this.leaderLine()}`;
      }
      case 'snapshot': {
        const id = arg(args, 0);
        c.snapshot(id);
        const st = c.core(id).status();
        return `${id} snapshot at ${st.snapshotIndex}, first index ${st.firstIndex}`;
      }
      case 'status':
        return c.ids.map((id) => this.statusLine(id)).join('\n');
      case 'applied':
        return c.ids.map((id) => this.appliedLine(id)).join('\n');
      case 'msgs':
        return this.msgCounts();
      case 'add-node': {
        const id = arg(args, 0);
        const leader = c.leader();
        const voters = leader === null ? c.ids : c.core(leader).status().voters;
        c.addNode(id, voters, [id]);
        return this.statusLine(id);
      }
      case 'conf':
        return this.confChange(arg(args, 0), arg(args, 1), arg(args, 2));
      case 'members':
        return c.ids.map((id) => this.membersLine(id)).join('\n');
      default:
        throw new Error(`unknown command ${cmd}`);
    }
  }

  private newCluster(kv: Map<string, string>): string {
    const config: Partial<Omit<RaftConfig, 'id' | 'voters'>> = {
      preVote: kv.get('prevote') !== 'false',
      checkQuorum: kv.get('checkquorum') !== 'false',
      compactionKeepEntries: Number(kv.get('keep') ?? '0'),
      maxInflightMessages: Number(kv.get('max-inflight') ?? '64'),
      maxEntriesPerMessage: Number(kv.get('max-entries') ?? '256'),
      leaseReads: kv.get('lease') === 'true',
    };
    const sameSeed = kv.get('same-seed');
    if (sameSeed !== undefined && sameSeed !== 'mixed' && sameSeed !== 'raw') throw new Error(`same-seed must be mixed or raw, got ${sameSeed}`);
    const options: ClusterOptions = { seed: Number(kv.get('seed') ?? '1'), config };
    if (sameSeed === 'mixed' || sameSeed === 'raw') options.sameSeed = sameSeed;
    this.cluster = new TestCluster(Number(kv.get('n') ?? '3'), options);
    this.leaderOfTerm.clear();
    this.appliedAt.clear();
    this.lastCommit.clear();
    this.msgBaseline = new Map();
    return `${this.cluster.ids.join(' ')}`;
  }

  private propose(id: NodeId, data: string, copies: number): string {
    if (id === 'none') return `${data}: no leader to propose to`;
    const lines: string[] = [];
    for (let i = 0; i < copies; i++) {
      const payload = copies === 1 ? data : `${data}-${i}`;
      const r = this.c().propose(id, payload);
      lines.push(r.ok ? `${payload}: index ${r.index} term ${r.term}` : `${payload}: ${r.code} (leader ${r.leader ?? 'none'})`);
    }
    return lines.join('\n');
  }

  private confChange(at: NodeId, type: string, node: NodeId): string {
    if (!(Object.values(ConfChangeType) as string[]).includes(type)) throw new Error(`unknown change type ${type}`);
    const change: ConfChange = { type: type as ConfChangeType, node };
    if (at === 'none') return `${type} ${node}: no leader to propose to`;
    const r = this.c().core(at).proposeConfChange(change);
    return r.ok ? `${type} ${node}: index ${r.index} term ${r.term}` : `${type} ${node}: ${r.code} (${r.reason})`;
  }

  private membersLine(id: NodeId): string {
    const node = this.c().node(id);
    if (node.core === null) return `${id}: down`;
    const s = node.core.status();
    const list = (ids: readonly NodeId[]): string => (ids.length === 0 ? '-' : ids.join(','));
    return `${id}: voters=${list(s.voters)} learners=${list(s.learners)} conf-index=${s.confIndex}`;
  }

  private deliver(link: string | undefined): string {
    const c = this.c();
    let delivered = 0;
    if (link === undefined) {
      delivered = c.inflight.length;
      c.deliverAll();
    } else {
      const [from, to] = link.split('->');
      const keep = c.inflight.filter((m) => !(m.from === from && m.to === to));
      const send = c.inflight.filter((m) => m.from === from && m.to === to);
      c.inflight = keep;
      for (const m of send) c.deliver(m);
      delivered = send.length;
    }
    c.processReadies();
    return `delivered ${delivered}, ${c.inflight.length} in flight`;
  }

  private leaderLine(): string {
    const c = this.c();
    const leaders = c.leaders().map((id) => `${id}@${c.core(id).status().term}`);
    return leaders.length === 0 ? 'no leader' : `leader ${leaders.join(', ')}`;
  }

  private statusLine(id: NodeId): string {
    const node = this.c().node(id);
    if (node.core === null) return `${id}: down`;
    const s = node.core.status();
    return `${id}: ${s.role} term=${s.term} leader=${s.leader ?? '-'} commit=${s.commit} applied=${s.applied} last=${s.lastIndex} snap=${s.snapshotIndex}`;
  }

  private appliedLine(id: NodeId): string {
    const node = this.c().node(id);
    const data = node.applied.filter((a) => !a.noop).map((a) => a.data);
    const shown = data.length > 6 ? ['...', ...data.slice(-6)] : data;
    return `${id}: ${data.length} applied [${shown.join(' ')}]`;
  }

  private msgCounts(): string {
    const c = this.c();
    const lines: string[] = [];
    for (const [type, count] of [...c.delivered].sort()) {
      const diff = count - (this.msgBaseline.get(type) ?? 0);
      if (diff > 0) lines.push(`${type}: ${diff}`);
    }
    this.msgBaseline = new Map(c.delivered);
    return lines.length === 0 ? 'none' : lines.join('\n');
  }

  private checkInvariants(): void {
    const c = this.cluster;
    if (c === null) return;
    for (const node of c.nodes.values()) {
      if (node.core === null) continue;
      const s = node.core.status();
      if (s.role === Role.Leader) {
        const prev = this.leaderOfTerm.get(s.term);
        if (prev !== undefined && prev !== node.id) {
          throw new RaftInvariantError(`two leaders in term ${s.term}: ${prev} and ${node.id}`);
        }
        this.leaderOfTerm.set(s.term, node.id);
      }
      if (s.role === Role.Leader) {
        const uncommitted = node.store.entries.filter((e) => e.kind === EntryKind.ConfChange && e.index > s.commit);
        if (uncommitted.length > 1) {
          throw new RaftInvariantError(`${node.id} holds ${uncommitted.length} uncommitted configuration changes`);
        }
      }
      const prevCommit = this.lastCommit.get(node.id) ?? 0;
      if (s.commit < prevCommit) throw new RaftInvariantError(`${node.id} commit went back ${prevCommit} -> ${s.commit}`);
      this.lastCommit.set(node.id, s.commit);
      for (const a of node.applied) {
        const prev = this.appliedAt.get(a.index);
        if (prev !== undefined && prev !== a.data) {
          throw new RaftInvariantError(`index ${a.index} applied as ${prev} and as ${a.data} (on ${node.id})`);
        }
        this.appliedAt.set(a.index, a.data);
      }
    }
  }
}

function parseKv(args: string[]): Map<string, string> {
  const kv = new Map<string, string>();
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq > 0) kv.set(a.slice(0, eq), a.slice(eq + 1));
  }
  return kv;
}

function arg(args: string[], i: number): string {
  const v = args[i];
  if (v === undefined) throw new Error(`missing argument ${i + 1}`);
  return v;
}
