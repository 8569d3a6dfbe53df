import { describe, expect, it } from 'vitest';
import { PriceStreamHub, type StreamPrice, type StreamSink, TooManyStreamsError } from './price-stream-hub.js';
import type { AggregatedPrice } from './price-types.js';

const price = (asset: string, timestamp: number, value = 100): StreamPrice => ({
  price: { asset, price: value, timestamp, updatedAt: timestamp, sources: ['ex1'], excluded: [], confidence: 0, stale: false, term: 1 } satisfies AggregatedPrice,
  publishedAtMs: timestamp + 1,
});

class RecordingSink implements StreamSink {
  text = '';
  pending = 0;
  closedWith: string | null = null;
  write(text: string): void {
    this.text += text;
  }
  pendingBytes(): number {
    return this.pending;
  }
  close(reason: string): void {
    this.closedWith = reason;
  }
  ids(): string[] {
    return [...this.text.matchAll(/^id: (\S+)$/gm)].map((m) => m[1] ?? '');
  }
  assets(): string[] {
    return [...this.text.matchAll(/^data: (\{.*\})$/gm)].map((m) => (JSON.parse(m[1] ?? '{}') as { asset: string }).asset);
  }
}

const hubOf = (over: Partial<{ windowEventsMax: number; streamsMax: number; clientBufferBytesMax: number }> = {}): PriceStreamHub =>
  new PriceStreamHub({ windowEventsMax: 5, streamsMax: 2, clientBufferBytesMax: 10_000, epoch: 'e1', ...over });

describe('PriceStreamHub', () => {
  it('numbers events and delivers only the subscribed assets', () => {
    const hub = hubOf();
    const all = new RecordingSink();
    const btc = new RecordingSink();
    hub.subscribe(null, null, all);
    hub.subscribe(new Set(['btcusdt']), null, btc);
    hub.publish([price('btcusdt', 1), price('ethusdt', 2), price('btcusdt', 3)]);
    expect(all.ids()).toEqual(['e1-1', 'e1-2', 'e1-3']);
    expect(btc.ids()).toEqual(['e1-1', 'e1-3']);
    expect(btc.assets()).toEqual(['btcusdt', 'btcusdt']);
  });

  it('resumes after Last-Event-ID without gaps inside the window, and resets outside it', () => {
    const hub = hubOf();
    hub.publish([1, 2, 3, 4, 5, 6, 7].map((t) => price('btcusdt', t)));
    const resumed = new RecordingSink();
    hub.subscribe(null, 'e1-4', resumed);
    expect(resumed.ids()).toEqual(['e1-5', 'e1-6', 'e1-7']);
    expect(resumed.text).not.toContain('event: reset');
    for (const id of ['e1-1', 'other-5', 'e1-99', 'garbage']) {
      const sink = new RecordingSink();
      hub.subscribe(null, id, sink);
      expect(sink.text, id).toContain('event: reset');
      expect(sink.ids(), id).toEqual([]);
      sink.closedWith = null;
      hub.closeAll();
    }
  });

  it('refuses a stream beyond streamsMax, and frees the slot on close', () => {
    const hub = hubOf();
    const first = hub.subscribe(null, null, new RecordingSink());
    hub.subscribe(null, null, new RecordingSink());
    expect(() => hub.subscribe(null, null, new RecordingSink())).toThrow(TooManyStreamsError);
    first.close();
    expect(hub.streamCount).toBe(1);
    hub.subscribe(null, null, new RecordingSink());
    expect(hub.streamCount).toBe(2);
  });

  it('drops a client whose unsent backlog would pass the bound, and keeps the others', () => {
    const drops: string[] = [];
    const hub = new PriceStreamHub({ windowEventsMax: 5, streamsMax: 3, clientBufferBytesMax: 1_000, epoch: 'e1', onDrop: (r) => drops.push(r) });
    const slow = new RecordingSink();
    const fast = new RecordingSink();
    hub.subscribe(null, null, slow);
    hub.subscribe(null, null, fast);
    slow.pending = 990;
    hub.publish([price('btcusdt', 1)]);
    expect(slow.closedWith).toBe('slow');
    expect(drops).toEqual(['slow']);
    expect(hub.streamCount).toBe(1);
    expect(fast.ids()).toEqual(['e1-1']);
  });

  it('ignores a late, older price of an asset (a deposed leader) and keeps the latest', () => {
    const hub = hubOf();
    hub.publish([price('btcusdt', 10, 1), price('btcusdt', 5, 2)]);
    expect(hub.latest('btcusdt')?.price.price).toBe(1);
  });

  it('validates its bounds', () => {
    expect(() => hubOf({ streamsMax: 0 })).toThrow(/streamsMax/);
  });
});
