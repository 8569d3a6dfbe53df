import { Gauge, Counter, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { ConfChangeType, Role, type GrpcTransport, type MembersView, type RaftNode } from '../../raft/index.js';
import { BazaarError, BazaarErrorCode } from '../errors.js';
import type { BazaarRpcClients } from './bazaar-rpc.js';
import { PEER_DIAL_ENTRIES_MAX, type PeerDial } from './peer-dial.js';
import type { MemberRoutesOptions, MembersInfo, MemberView } from './member-routes.js';

export interface MembershipOptions {
  readonly nodeId: string;
  readonly grpcAddress: string;
  readonly clusterToken: string;
  readonly raft: RaftNode<unknown>;
  readonly transport: GrpcTransport;
  /** Dial overrides (fault proxies) for added members; the transport applies them itself. */
  readonly dial: PeerDial;
  readonly rpc: BazaarRpcClients;
  /** Member ids other modules read (admin transfer): kept equal to the configuration in effect. */
  readonly memberIds: string[];
  /** Node ids the forwarding RPC server accepts. */
  readonly rpcMembers: Set<string>;
  readonly registry: Registry;
  readonly requestTimeoutMs: number;
  readonly log: Logger;
}

/**
 * Membership on a node: the admin member routes' operations (run on the leader), and what a
 * configuration change updates besides Raft's own transport: forwarding channels, the member
 * list of the admin routes, and the metrics (bazaar_raft_voters, _learners, _conf_changes_total).
 */
export function wireMembership(o: MembershipOptions): MemberRoutesOptions {
  const voters = new Gauge({ name: 'bazaar_raft_voters', help: 'Voting members in the configuration in effect', registers: [o.registry] });
  const learners = new Gauge({ name: 'bazaar_raft_learners', help: 'Non-voting members (learners) in the configuration in effect', registers: [o.registry] });
  const changes = new Counter({ name: 'bazaar_raft_conf_changes_total', help: 'Configuration changes seen in effect on this node', registers: [o.registry] });
  const apply = (m: MembersView): void => {
    voters.set(m.voters.length);
    learners.set(m.learners.length);
    for (const [id, address] of Object.entries(m.addresses)) if (id !== o.nodeId) o.rpc.setPeer(id, o.dial.get(id) ?? address);
    o.memberIds.splice(0, o.memberIds.length, ...m.voters, ...m.learners);
    // Add-only, like Raft's transport peers (raft/driver/member-sync.ts): a node replaying old
    // configurations must still accept the current leader.
    for (const id of o.memberIds) o.rpcMembers.add(id);
  };
  apply(o.raft.members());
  o.raft.on('members-change', (m) => {
    changes.inc();
    o.log.info({ voters: m.voters, learners: m.learners, confIndex: m.confIndex }, 'cluster configuration changed');
    apply(m);
  });
  const onLeader = <T>(run: () => Promise<T>): Promise<T> => {
    const st = o.raft.status();
    if (st.role !== Role.Leader) {
      const where = st.leader === null ? 'no leader is known right now' : `send it to the leader ${st.leader}`;
      return Promise.reject(new BazaarError(BazaarErrorCode.Unavailable, `membership changes run on the leader: ${where}`, { executed: false }));
    }
    return run();
  };
  const timeout = o.requestTimeoutMs * 4;
  return {
    clusterToken: o.clusterToken,
    members: () => membersInfo(o),
    addLearner: (id, address) => onLeader(() => o.raft.proposeConfChange({ type: ConfChangeType.AddLearner, node: id, address }, timeout)),
    promote: (id) => onLeader(() => o.raft.proposeConfChange({ type: ConfChangeType.Promote, node: id }, timeout)),
    remove: (id) => onLeader(() => o.raft.proposeConfChange({ type: ConfChangeType.Remove, node: id }, timeout)),
    dialPeer: (id, address) => {
      if (id === o.nodeId) throw new BazaarError(BazaarErrorCode.InvalidRequest, `${id} is this node: it does not dial itself`);
      if (!o.dial.has(id) && o.dial.full()) throw new BazaarError(BazaarErrorCode.InvalidRequest, `this node already dials ${PEER_DIAL_ENTRIES_MAX} members through overrides`);
      o.dial.set(id, address);
      o.transport.setPeer(id, address);
      o.rpc.setPeer(id, address);
    },
  };
}

function membersInfo(o: MembershipOptions): MembersInfo {
  const st = o.raft.status();
  const peers = o.transport.peers();
  const match = new Map(st.progress.map((p) => [p.id, p.match]));
  const view = (id: string, role: 'voter' | 'learner'): MemberView => ({
    id,
    role,
    address: id === o.nodeId ? o.grpcAddress : (st.addresses[id] ?? peers[id] ?? null),
    matchIndex: st.role !== Role.Leader ? null : id === o.nodeId ? st.lastIndex : (match.get(id) ?? 0),
  });
  return {
    leader: st.leader,
    confIndex: st.confIndex,
    members: [...st.voters.map((id) => view(id, 'voter')), ...st.learners.map((id) => view(id, 'learner'))],
  };
}
