import { attribute, type ToxicDefinition } from './toxic-stage.js';

/**
 * On the first data (or end) in its stream, waits `timeout` ms and resets the connection
 * (TCP RST, "connection reset by peer"). Data in its stream is discarded meanwhile.
 */
export const resetPeerToxic: ToxicDefinition = {
  type: 'reset_peer',
  attributeNames: ['timeout'],
  closesLinkOnRemove: false,
  create(attributes, outlet) {
    const timeoutMs = attribute(attributes, 'timeout');
    let timer: NodeJS.Timeout | undefined;
    let triggered = false;
    const trigger = (): void => {
      if (triggered) return;
      triggered = true;
      timer = setTimeout(() => {
        timer = undefined;
        outlet.reset();
      }, timeoutMs);
    };
    const stop = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    };
    return {
      data(chunk) {
        outlet.dropped(chunk.length);
        trigger();
      },
      end: trigger,
      interrupt: stop,
      dispose: stop,
    };
  },
};
