import { attribute, type ToxicDefinition } from './toxic-stage.js';

/** Passes the first `bytes` bytes of its stream, then closes the connection. */
export const limitDataToxic: ToxicDefinition = {
  type: 'limit_data',
  attributeNames: ['bytes'],
  closesLinkOnRemove: false,
  create(attributes, outlet, { state }) {
    const limitBytes = attribute(attributes, 'bytes');
    let closed = false;
    return {
      data(chunk) {
        if (closed) {
          outlet.dropped(chunk.length);
          return;
        }
        const remaining = Math.max(0, limitBytes - state.bytesTransmitted);
        const passed = remaining < chunk.length ? chunk.subarray(0, remaining) : chunk;
        if (passed.length < chunk.length) outlet.dropped(chunk.length - passed.length);
        if (passed.length > 0) {
          state.bytesTransmitted += passed.length;
          outlet.data(passed);
        }
        if (state.bytesTransmitted >= limitBytes) {
          closed = true;
          outlet.end();
        }
      },
      end() {
        if (closed) return;
        closed = true;
        outlet.end();
      },
      interrupt: () => undefined,
      dispose: () => undefined,
    };
  },
};
