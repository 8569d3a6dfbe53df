import { DelayQueue } from './delay-queue.js';
import { attribute, type ToxicDefinition } from './toxic-stage.js';

/** Delays every chunk by `latency` ± `jitter` milliseconds (measured from its arrival). */
export const latencyToxic: ToxicDefinition = {
  type: 'latency',
  attributeNames: ['latency', 'jitter'],
  closesLinkOnRemove: false,
  create(attributes, outlet, { rng }) {
    const latencyMs = attribute(attributes, 'latency');
    const jitterMs = attribute(attributes, 'jitter');
    const queue = new DelayQueue(outlet);
    // Like Go's `latency + rand.Int63n(2*jitter) - jitter`: uniform in [latency-jitter, latency+jitter).
    const delayMs = (): number => (jitterMs > 0 ? latencyMs + rng.int(-jitterMs, jitterMs) : latencyMs);
    return {
      data: (chunk) => queue.push(chunk, Date.now() + delayMs()),
      end: () => queue.endAfterDrain(),
      interrupt: () => queue.flush(),
      dispose: () => queue.dispose(),
    };
  },
};
