import { rejectReasons, type RejectReason } from './rejection.js';

/** Counters of one transport, as returned by `GrpcTransport.stats()`. */
export interface TransportStats {
  /** Messages whose unary call the peer acknowledged, or that were written onto an open peer stream. */
  readonly sentMessages: number;
  /** Batches sent: unary calls started, or batches written onto a peer stream. */
  readonly sentCalls: number;
  /** Peer streams opened (sender side). */
  readonly streamsOpened: number;
  /** Peer streams ended at their rotation time and acknowledged by the peer. */
  readonly streamsRotated: number;
  /** Messages handed to `onMessage`. */
  readonly receivedMessages: number;
  /** Incoming unary calls, snapshots and stream batches accepted. */
  readonly receivedCalls: number;
  /** Incoming RPCs refused, by reason. */
  readonly rejected: Readonly<Record<RejectReason, number>>;
  /** Delivery failures reported through `onUnreachable`. */
  readonly unreachable: number;
  /** Messages dropped because a peer's send queue was full (oldest first). */
  readonly droppedQueueFull: number;
  /** Queued messages dropped because a call to their peer failed (the core resends). */
  readonly droppedAfterFailure: number;
  /** Messages dropped because they alone exceed maxMessageBytes. */
  readonly droppedTooLarge: number;
  readonly snapshotsSent: number;
  readonly snapshotsFailed: number;
  readonly snapshotsReceived: number;
  /** Calls that arrived after later calls from the same sender were delivered. */
  readonly reorderedLate: number;
  /** Times the receiver stopped waiting for a missing call and delivered past it. */
  readonly reorderGapsSkipped: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class TransportCounters {
  readonly values: Mutable<Omit<TransportStats, 'rejected'>> = {
    sentMessages: 0,
    sentCalls: 0,
    streamsOpened: 0,
    streamsRotated: 0,
    receivedMessages: 0,
    receivedCalls: 0,
    unreachable: 0,
    droppedQueueFull: 0,
    droppedAfterFailure: 0,
    droppedTooLarge: 0,
    snapshotsSent: 0,
    snapshotsFailed: 0,
    snapshotsReceived: 0,
    reorderedLate: 0,
    reorderGapsSkipped: 0,
  };
  readonly #rejected = Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>;

  reject(reason: RejectReason): void {
    this.#rejected[reason] += 1;
  }

  snapshot(): TransportStats {
    return { ...this.values, rejected: { ...this.#rejected } };
  }
}
