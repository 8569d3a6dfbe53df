import { attribute, type ToxicDefinition } from './toxic-stage.js';

/** Passes data through but delays closing (the FIN) by `delay` ms. */
export const slowCloseToxic: ToxicDefinition = {
  type: 'slow_close',
  attributeNames: ['delay'],
  closesLinkOnRemove: false,
  create(attributes, outlet) {
    const delayMs = attribute(attributes, 'delay');
    let timer: NodeJS.Timeout | undefined;
    let ending = false;
    const stop = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    };
    return {
      data: (chunk) => outlet.data(chunk),
      end() {
        if (ending) return;
        ending = true;
        timer = setTimeout(() => {
          timer = undefined;
          outlet.end();
        }, delayMs);
      },
      interrupt() {
        stop();
        if (ending) outlet.end();
      },
      dispose: stop,
    };
  },
};
