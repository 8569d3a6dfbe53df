import { Counter, Gauge, type Registry } from 'prom-client';
import { PriceStreamHub, type PriceStreamHubOptions } from './price-stream-hub.js';

/**
 * A PriceStreamHub whose stream count, bound, drops and deliveries are Prometheus metrics:
 * bazaar_price_streams (open now), bazaar_price_streams_max (the bound),
 * bazaar_price_stream_drops_total{reason=slow|closed|shutdown}, bazaar_price_stream_events_total.
 */
export function createMeteredHub(registry: Registry, options: Omit<PriceStreamHubOptions, 'onDrop' | 'onEvents'>): PriceStreamHub {
  const drops = new Counter({
    name: 'bazaar_price_stream_drops_total',
    help: 'Price streams closed by the node, by reason (slow: per-client buffer full; shutdown)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const events = new Counter({ name: 'bazaar_price_stream_events_total', help: 'Price events written to streams', registers: [registry] });
  const hub = new PriceStreamHub({ ...options, onDrop: (reason) => drops.inc({ reason }), onEvents: (n) => events.inc(n) });
  new Gauge({ name: 'bazaar_price_streams', help: 'Open price streams (SSE) on this node', registers: [registry], collect() { this.set(hub.streamCount); } });
  new Gauge({ name: 'bazaar_price_streams_max', help: 'Bound on open price streams on this node', registers: [registry], collect() { this.set(hub.streamsMax); } });
  return hub;
}
