/**
 * What every phase of a run shares: the recorder, the injected clock, the client and a way to
 * run one op (invoke line, request, completion line).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleepMs } from 'node:timers/promises';
import type { Request } from './generator.js';
import { HistoryRecorder } from './history.js';
import type { Client, Completion } from './interfaces.js';

export interface Clock {
  /** Nanoseconds since the run started. */
  nowNs(): number;
  sleep(ms: number): Promise<void>;
}

export function realClock(): Clock {
  const t0 = performance.now();
  return { nowNs: () => Math.round((performance.now() - t0) * 1e6), sleep: (ms) => sleepMs(Math.max(0, ms)) };
}

export class RunContext {
  readonly recorder: HistoryRecorder;

  constructor(
    readonly clock: Clock,
    readonly client: Client,
    readonly log: (line: string) => void,
  ) {
    this.recorder = new HistoryRecorder(() => clock.nowNs());
  }

  /** Records the invoke, sends the request to node, records the completion; returns it. */
  async runOp(process: number, node: string, request: Request): Promise<Completion> {
    const inv = this.client.invokeValue(request);
    this.recorder.client({ process, type: 'invoke', f: inv.f, key: inv.key, value: inv.value, node });
    let done: Completion;
    try {
      done = await this.client.invoke(node, request);
    } catch (err) {
      // A client bug, not an outcome: the request may have been sent, so it is info for trades.
      this.log(`client error on ${node}: ${(err as Error).stack ?? String(err)}`);
      done = { type: request.f === 'buy' || request.f === 'sell' ? 'info' : 'fail', value: null, error: (err as Error).message };
    }
    const value = done.type === 'ok' ? done.value : inv.value;
    this.recorder.client({ process, type: done.type, f: inv.f, key: inv.key, value, node });
    return done;
  }
}
