import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { isRaftError } from '../errors/raft-errors.js';
import type { RaftNode } from '../driver/raft-node.js';
import { encodeBlob } from './kv-state-machine.js';

export interface LoadRequest {
  readonly concurrency: number;
  readonly durationMs: number;
  readonly sizeBytes: number;
}

export interface LoadReport extends LoadRequest {
  readonly committed: number;
  readonly errors: Record<string, number>;
  readonly elapsedMs: number;
  readonly proposalsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly fsyncs: number;
  readonly entriesPersisted: number;
  readonly entriesPerFsync: number;
}

const concurrencyMax = 4096;
const durationMsMax = 600_000;
const sizeBytesMax = 1024 * 1024;

export function validateLoadRequest(value: Partial<LoadRequest>): LoadRequest {
  const check = (name: keyof LoadRequest, max: number): number => {
    const v = value[name];
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > max) throw new Error(`${name} must be an integer in [1, ${max}], got ${v}`);
    return v as number;
  };
  return {
    concurrency: check('concurrency', concurrencyMax),
    durationMs: check('durationMs', durationMsMax),
    sizeBytes: check('sizeBytes', sizeBytesMax),
  };
}

/**
 * Closed-loop load inside the leader process: `concurrency` proposers each propose a blob,
 * wait for it to be applied, and repeat until the duration is over. Commit latency is measured
 * from propose() to its resolution (persisted on a quorum, applied locally).
 */
export async function runLoad<R>(node: RaftNode<R>, request: LoadRequest): Promise<LoadReport> {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  const errors: Record<string, number> = {};
  const before = node.status();
  const payload = encodeBlob(request.sizeBytes);
  const startedMs = performance.now();
  const endMs = startedMs + request.durationMs;
  let committed = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < endMs) {
      const t0 = performance.now();
      try {
        await node.propose(payload, 10_000);
        histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
        committed += 1;
      } catch (error) {
        const code = isRaftError(error) ? error.code : 'other';
        errors[code] = (errors[code] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  await Promise.all(Array.from({ length: request.concurrency }, worker));
  const elapsedMs = performance.now() - startedMs;
  const after = node.status();
  const fsyncs = after.fsyncs - before.fsyncs;
  const entriesPersisted = after.entriesPersisted - before.entriesPersisted;
  const report: LoadReport = {
    ...request,
    committed,
    errors,
    elapsedMs,
    proposalsPerSec: (committed * 1000) / elapsedMs,
    p50Ms: histogram.getValueAtPercentile(50) / 1000,
    p99Ms: histogram.getValueAtPercentile(99) / 1000,
    maxMs: histogram.maxValue / 1000,
    fsyncs,
    entriesPersisted,
    entriesPerFsync: fsyncs === 0 ? 0 : entriesPersisted / fsyncs,
  };
  histogram.destroy();
  return report;
}
