import { attribute, type ToxicDefinition } from './toxic-stage.js';

/**
 * Stops all data (it is discarded) and closes the connection after `timeout` ms; with
 * timeout 0 the connection stays open and silent until the toxic is removed, which closes it
 * (real Toxiproxy's Cleanup). A one-way cut when set on one stream only.
 */
export const timeoutToxic: ToxicDefinition = {
  type: 'timeout',
  attributeNames: ['timeout'],
  closesLinkOnRemove: true,
  create(attributes, outlet) {
    const timeoutMs = attribute(attributes, 'timeout');
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    };
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        timer = undefined;
        outlet.end();
      }, timeoutMs);
    }
    return {
      data: (chunk) => outlet.dropped(chunk.length),
      end() {
        stop();
        outlet.end();
      },
      interrupt: stop,
      dispose: stop,
    };
  },
};
