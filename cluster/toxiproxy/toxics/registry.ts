import { bandwidthToxic } from './bandwidth.js';
import { latencyToxic } from './latency.js';
import { limitDataToxic } from './limit-data.js';
import { resetPeerToxic } from './reset-peer.js';
import { slowCloseToxic } from './slow-close.js';
import { timeoutToxic } from './timeout.js';
import type { ToxicDefinition } from './toxic-stage.js';

/** The toxic types this server implements (a subset of real Toxiproxy's). */
const definitions: readonly ToxicDefinition[] = [
  latencyToxic,
  timeoutToxic,
  resetPeerToxic,
  bandwidthToxic,
  slowCloseToxic,
  limitDataToxic,
];

const byType = new Map(definitions.map((definition) => [definition.type, definition]));

export function findToxicDefinition(type: string): ToxicDefinition | undefined {
  return byType.get(type);
}

export const toxicTypes: readonly string[] = definitions.map((definition) => definition.type);
