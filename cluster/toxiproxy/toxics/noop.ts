import type { StageOutlet, ToxicStage } from './toxic-stage.js';

/** Passes everything through; used where toxicity decided the toxic does not apply. */
export function createNoopStage(outlet: StageOutlet): ToxicStage {
  return {
    data: (chunk) => outlet.data(chunk),
    end: () => outlet.end(),
    interrupt: () => undefined,
    dispose: () => undefined,
  };
}
