import { DelayQueue } from './delay-queue.js';
import { attribute, type ToxicDefinition } from './toxic-stage.js';

/** Slices larger than this many milliseconds of transfer are split (Go sends 100 ms slices). */
const sliceMs = 100;

/** Limits the stream to `rate` KB/s (1 KB = 1000 bytes, i.e. `rate` bytes per millisecond). */
export const bandwidthToxic: ToxicDefinition = {
  type: 'bandwidth',
  attributeNames: ['rate'],
  closesLinkOnRemove: false,
  create(attributes, outlet) {
    const bytesPerMs = attribute(attributes, 'rate');
    const queue = new DelayQueue(outlet);
    const sliceBytes = Math.max(1, bytesPerMs * sliceMs);
    return {
      data(chunk) {
        if (bytesPerMs === 0) {
          queue.push(chunk, 0);
          return;
        }
        for (let offset = 0; offset < chunk.length; offset += sliceBytes) {
          const slice = chunk.subarray(offset, offset + sliceBytes);
          const startMs = Math.max(Date.now(), queue.tailDueAtMs);
          queue.push(slice, startMs + slice.length / bytesPerMs);
        }
      },
      end: () => queue.endAfterDrain(),
      interrupt: () => queue.flush(),
      dispose: () => queue.dispose(),
    };
  },
};
