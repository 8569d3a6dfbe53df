/**
 * The per-node hub behind `GET /prices/stream`: numbers every price the leader published (as
 * this node received it from the channel), keeps the last `windowEventsMax` events for
 * `Last-Event-ID` resume, and fans them out to at most `streamsMax` subscribers.
 *
 * Event ids are `<epoch>-<seq>`: `seq` counts events on this node from 1, `epoch` is this
 * hub's start (base 36 ms), so an id from another node or an earlier process is recognised as
 * foreign and answered with a `reset` event (the client reloads `GET /prices?assets=...`)
 * rather than silently leaving a gap. Within the window, resume replays exactly the missed
 * events of the client's assets.
 *
 * Each subscriber is a `StreamSink` (the SSE route wraps the HTTP response): the hub asks it
 * how many bytes wait unsent, and drops a subscriber whose backlog exceeds `clientBufferBytesMax`
 * (a slow client never grows memory; it reconnects and resumes from its last id if still in
 * the window). Pure logic: no I/O, no timers (the route sends keep-alives).
 */
import type { AggregatedPrice } from './price-types.js';

export interface StreamSink {
  /** Queue text for the client. */
  write(text: string): void;
  /** Bytes written but not yet flushed to the socket. */
  pendingBytes(): number;
  /** End the stream (the hub already forgot the subscriber). */
  close(reason: StreamDropReason): void;
}

export const StreamDropReason = { Slow: 'slow', Closed: 'closed', Shutdown: 'shutdown' } as const;
export type StreamDropReason = (typeof StreamDropReason)[keyof typeof StreamDropReason];

export interface PriceStreamHubOptions {
  /** Events kept for Last-Event-ID resume. */
  readonly windowEventsMax: number;
  /** Open streams on this node; one more is refused (503). */
  readonly streamsMax: number;
  /** Unsent bytes of one client beyond which it is dropped. */
  readonly clientBufferBytesMax: number;
  /** Distinguishes this hub's ids from another process's; default: start time, base 36. */
  readonly epoch?: string;
  readonly onDrop?: (reason: StreamDropReason) => void;
  readonly onEvents?: (delivered: number) => void;
}

export const PRICE_STREAM_DEFAULTS = {
  windowEventsMax: 10_000,
  streamsMax: 2_000,
  clientBufferBytesMax: 256 * 1024,
} as const;

/** One published aggregate as sent in the stream (`data:` is its JSON). */
export interface StreamPrice {
  readonly price: AggregatedPrice;
  /** When the leader published it, ms since the epoch (publish-to-receive latency = now - this). */
  readonly publishedAtMs: number;
}

interface HubEvent {
  readonly seq: number;
  readonly asset: string;
  readonly frame: string;
}

export interface Subscription {
  /** Forget the subscriber (the client went away). */
  close(): void;
}

export class TooManyStreamsError extends Error {
  constructor(readonly streamsMax: number) {
    super(`too many price streams on this node (max ${streamsMax}): retry later or use another node`);
    this.name = 'TooManyStreamsError';
  }
}

interface Subscriber {
  readonly assets: ReadonlySet<string> | null;
  readonly sink: StreamSink;
}

export function validateHubOptions(options: PriceStreamHubOptions): void {
  for (const field of ['windowEventsMax', 'streamsMax', 'clientBufferBytesMax'] as const) {
    const value = options[field];
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${field} must be an integer >= 1, got ${value}`);
  }
}

export class PriceStreamHub {
  readonly epoch: string;
  private seq = 0;
  /** Ring of the last windowEventsMax events, oldest first. */
  private readonly window: HubEvent[] = [];
  private readonly subscribers = new Set<Subscriber>();
  /** Latest price per asset seen on the stream (bounded by the catalog's size). */
  private readonly latestByAsset = new Map<string, StreamPrice>();

  constructor(private readonly options: PriceStreamHubOptions) {
    validateHubOptions(options);
    this.epoch = options.epoch ?? Date.now().toString(36);
  }

  get streamCount(): number {
    return this.subscribers.size;
  }

  get streamsMax(): number {
    return this.options.streamsMax;
  }

  latest(asset: string): StreamPrice | null {
    return this.latestByAsset.get(asset) ?? null;
  }

  /** Number, remember and deliver a batch of published prices: one write per subscriber per batch. */
  publish(prices: readonly StreamPrice[]): void {
    const events: HubEvent[] = [];
    for (const item of prices) {
      const previous = this.latestByAsset.get(item.price.asset);
      if (previous !== undefined && previous.price.timestamp > item.price.timestamp) continue; // a deposed leader's late batch
      this.latestByAsset.set(item.price.asset, item);
      this.seq += 1;
      const event: HubEvent = { seq: this.seq, asset: item.price.asset, frame: this.frame(this.seq, item) };
      this.window.push(event);
      if (this.window.length > this.options.windowEventsMax) this.window.shift();
      events.push(event);
    }
    let delivered = 0;
    for (const subscriber of this.subscribers) {
      const mine = subscriber.assets === null ? events : events.filter((e) => subscriber.assets?.has(e.asset) === true);
      if (mine.length > 0 && this.send(subscriber, mine.map((e) => e.frame).join(''))) delivered += mine.length;
    }
    if (delivered > 0) this.options.onEvents?.(delivered);
  }

  /**
   * Add a subscriber. `lastEventId`: the client's Last-Event-ID (null: a new stream). Replays
   * the missed events if the id is in the window, else sends a `reset` event first.
   */
  subscribe(assets: ReadonlySet<string> | null, lastEventId: string | null, sink: StreamSink): Subscription {
    if (this.subscribers.size >= this.options.streamsMax) throw new TooManyStreamsError(this.options.streamsMax);
    const subscriber: Subscriber = { assets, sink };
    sink.write(`retry: 1000\n: stream of ${assets === null ? 'every asset' : `${assets.size} assets`}, ids ${this.epoch}-<n>\n\n`);
    if (lastEventId !== null) this.replay(subscriber, lastEventId);
    this.subscribers.add(subscriber);
    return { close: () => void this.subscribers.delete(subscriber) };
  }

  /** Send a comment to every subscriber (keep-alive); drops the slow ones. */
  keepAlive(): void {
    for (const subscriber of this.subscribers) this.send(subscriber, ': keep-alive\n\n');
  }

  /** Tell every stream that events may have been missed (the channel lost its subscription). */
  resetAll(reason: string): void {
    const frame = `event: reset\ndata: ${JSON.stringify({ reason })}\n\n`;
    for (const subscriber of this.subscribers) this.send(subscriber, frame);
  }

  /** Close every stream (node stopping). */
  closeAll(): void {
    for (const subscriber of [...this.subscribers]) this.drop(subscriber, StreamDropReason.Shutdown);
  }

  private replay(subscriber: Subscriber, lastEventId: string): void {
    const seq = this.parseOwnId(lastEventId);
    const oldest = this.window[0]?.seq ?? this.seq + 1;
    if (seq === null || seq > this.seq || seq < oldest - 1) {
      subscriber.sink.write(`event: reset\ndata: {"reason":"last event id ${JSON.stringify(lastEventId).slice(1, -1)} is not in this node's window"}\n\n`);
      return;
    }
    for (let i = seq - oldest + 1; i < this.window.length; i++) {
      const event = this.window[i];
      if (event !== undefined && (subscriber.assets === null || subscriber.assets.has(event.asset))) subscriber.sink.write(event.frame);
    }
  }

  private parseOwnId(id: string): number | null {
    const match = /^([0-9a-z]+)-([0-9]{1,15})$/.exec(id);
    if (match === null || match[1] !== this.epoch) return null;
    return Number(match[2]);
  }

  private send(subscriber: Subscriber, text: string): boolean {
    if (subscriber.sink.pendingBytes() + text.length > this.options.clientBufferBytesMax) {
      this.drop(subscriber, StreamDropReason.Slow);
      return false;
    }
    subscriber.sink.write(text);
    return true;
  }

  private drop(subscriber: Subscriber, reason: StreamDropReason): void {
    if (!this.subscribers.delete(subscriber)) return;
    this.options.onDrop?.(reason);
    subscriber.sink.close(reason);
  }

  private frame(seq: number, item: StreamPrice): string {
    const p = item.price;
    const data = {
      asset: p.asset,
      price: p.price,
      timestamp: p.timestamp,
      updated_at: p.updatedAt,
      published_at: item.publishedAtMs,
      sources: p.sources,
      excluded: p.excluded.map((e) => e.exchange),
      confidence: p.confidence,
      stale: p.stale,
      term: p.term,
    };
    return flattened(`id: ${this.epoch}-${seq}\nevent: price\ndata: ${JSON.stringify(data)}\n\n`);
  }
}

/**
 * V8 builds a template literal as a tree of cons strings (seven heap objects per frame here:
 * a heap snapshot of a follower held 47,000 of them for its window). Converting a string to a
 * number reads it flat, which makes V8 flatten the tree into one string (the next GC drops the
 * tree's nodes), so each of the windowEventsMax kept frames is one object to mark, not eight.
 */
function flattened(text: string): string {
  Number(text);
  return text;
}
