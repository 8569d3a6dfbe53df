/**
 * A simulated disk holding one state `S` (a LevelDB's contents, in memory). Every write is an
 * operation on the state, applied at once to what the process sees. A synced write makes
 * everything written so far durable; an unsynced one sits in the "OS cache" until a later
 * synced write, a background flush, or a power loss. A power loss keeps a prefix of the
 * unsynced writes, in order (LevelDB appends batches to its log in order; a torn last record
 * fails its checksum and is dropped whole) and throws the rest away.
 */
export class MemoryDisk<S> {
  private durable: S;
  private visible: S;
  private pending: ((state: S) => void)[] = [];
  syncs = 0;

  /**
   * @param unsyncedWritesMax most unsynced writes held in the "OS cache"; beyond it the oldest
   *   is written back (the kernel flushes dirty pages on its own too).
   */
  constructor(
    initial: S,
    private readonly clone: (state: S) => S,
    readonly unsyncedWritesMax = 256,
  ) {
    if (!Number.isInteger(unsyncedWritesMax) || unsyncedWritesMax < 0) {
      throw new Error(`unsyncedWritesMax must be an integer >= 0, got ${unsyncedWritesMax}`);
    }
    this.durable = clone(initial);
    this.visible = clone(initial);
  }

  /** What the process reads back (synced and unsynced writes). Do not mutate. */
  read(): S {
    return this.visible;
  }

  /** What survives a power loss right now. Do not mutate. */
  readDurable(): S {
    return this.durable;
  }

  /** Apply `op` (it mutates the state it is given and may run twice: on the visible and the durable copy). */
  write(op: (state: S) => void, sync: boolean): void {
    op(this.visible);
    if (sync) {
      this.durable = this.clone(this.visible);
      this.pending = [];
      this.syncs += 1;
      return;
    }
    this.pending.push(op);
    if (this.pending.length > this.unsyncedWritesMax) this.writeBackOldest();
  }

  unsyncedWrites(): number {
    return this.pending.length;
  }

  /** Background write-back of everything cached (the kernel's periodic flush). */
  flush(): void {
    if (this.pending.length === 0) return;
    this.durable = this.clone(this.visible);
    this.pending = [];
  }

  /**
   * Power loss: the first `keep` unsynced writes reached the platter, the rest are lost.
   * Returns how many were lost.
   */
  powerLoss(keep: number): number {
    const kept = Math.max(0, Math.min(keep, this.pending.length));
    for (let i = 0; i < kept; i++) this.pending[i]?.(this.durable);
    const lost = this.pending.length - kept;
    this.pending = [];
    this.visible = this.clone(this.durable);
    return lost;
  }

  private writeBackOldest(): void {
    const oldest = this.pending.shift();
    oldest?.(this.durable);
  }
}
