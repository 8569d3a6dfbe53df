/**
 * The `membership` fault: remove a voter (the leader about a third of the time) and stop its
 * process; when the fault ends, start a fresh node (empty data dir) through the launcher, add it
 * as a learner and promote it once caught up (cluster/member-ops.ts). The cluster keeps its
 * size. The clients follow the changes as a client reading `GET /cluster/members` would
 * (member-directory.ts): the removed member leaves their list once its removal is committed,
 * the new one joins it once the leader added it as a learner.
 */
import { ClusterControl } from '../cluster/control.js';
import { memberAdd, memberList, memberPromote, memberRemove } from '../cluster/member-ops.js';
import { createRng } from '../common/rng.js';
import type { FaultRecord } from './interfaces.js';
import type { MemberDirectory } from './member-directory.js';

/** Chance that the member removed is the leader. */
const REMOVE_LEADER_CHANCE = 0.3;

export class MembershipFault {
  constructor(
    private readonly dataDir: string,
    private readonly directory: MemberDirectory,
  ) {}

  /** A fresh view of launcher.json: nodes added by earlier faults included. */
  private control(): Promise<ClusterControl> {
    return ClusterControl.attach(this.dataDir);
  }

  async start(seed: number): Promise<FaultRecord> {
    const control = await this.control();
    const list = await memberList(control);
    const voters = list.members.filter((m) => m.role === 'voter').map((m) => m.id);
    const rng = createRng(seed);
    const victim = list.leader !== null && rng.chance(REMOVE_LEADER_CHANCE) ? list.leader : rng.pick(voters);
    const removed = await memberRemove(control, victim);
    this.directory.remove(victim);
    await control.kill(victim);
    return { f: 'membership', detail: { removed: victim, index: removed.index, leader: victim === list.leader } };
  }

  async stop(seed: number): Promise<FaultRecord> {
    const control = await this.control();
    const id = `m${(seed % 1_000_000).toString(36)}`;
    const added = await memberAdd(control, id);
    this.directory.add(id, (await this.control()).nodeUrl(id));
    const promoted = await memberPromote(control, id);
    return { f: 'membership', detail: { added: id, learnerIndex: added.index, voterIndex: promoted.index } };
  }
}
