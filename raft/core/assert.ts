/** Invariant violated: a programmer error. The core crashes rather than continue. */
export class RaftInvariantError extends Error {
  readonly code = 'RAFT_ERR_INVARIANT';
  constructor(message: string) {
    super(`raft invariant violated: ${message}`);
    this.name = 'RaftInvariantError';
  }
}

export function invariant(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new RaftInvariantError(typeof message === 'string' ? message : message());
}
