import { createRng } from '../../../common/rng.js';
import { makeRaftConfig } from '../config.js';
import { RaftCore } from '../raft-core.js';
import type { NodeId, Ready } from '../types.js';

/** A fresh core `n1` at term 1 among `voters`, PreVote and CheckQuorum off (core unit tests). */
export function newTestCore(voters: readonly NodeId[]): RaftCore {
  const config = makeRaftConfig('n1', [...voters], { preVote: false, checkQuorum: false });
  return new RaftCore(config, createRng(1), { hardState: { term: 1, vote: null, commit: 0 }, snapshot: null, entries: [] });
}

/** Take and advance every Ready the core has, as a driver whose writes all succeed would. */
export function drainReadies(core: RaftCore): Ready[] {
  const readies: Ready[] = [];
  while (core.hasReady()) {
    const ready = core.ready();
    readies.push(ready);
    core.advance(ready);
  }
  return readies;
}
