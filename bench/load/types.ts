import type { LatencySummary } from './histogram.js';

export const HttpMethod = { Get: 'GET', Post: 'POST', Put: 'PUT', Delete: 'DELETE' } as const;
export type HttpMethod = (typeof HttpMethod)[keyof typeof HttpMethod];

/** One request as the generator sends it. `tag` groups latencies in the report (e.g. "lookup"). */
export interface RequestSpec {
  method: HttpMethod;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  tag: string;
}

/**
 * What a virtual user sends. Serializable (it crosses into the generator's child process).
 * - `pick`: each step is one request chosen uniformly (seeded) from `requests`.
 * - `session`: the bazaar client loop: GET /stocks for a random symbol, then with
 *   probability `tradeProbability` a POST /orders of 1 share (BUY or SELL at random).
 */
export type Workload =
  | { kind: 'pick'; requests: RequestSpec[]; idempotencyKeys?: boolean }
  | { kind: 'session'; symbols: string[]; tradeProbability: number; idempotencyKeys?: boolean };

export const LoadMode = { Closed: 'closed', Open: 'open' } as const;
export type LoadMode = (typeof LoadMode)[keyof typeof LoadMode];

/** One group of virtual users (e.g. the "hot" tier); groups of one run go in parallel. */
export interface GroupSpec {
  name: string;
  mode: LoadMode;
  /** Base URLs (loopback only); virtual user i uses origins[i % origins.length]. */
  origins: string[];
  /** Keep-alive connections (closed loop: also the number of virtual users). */
  connections: number;
  /** Open loop only: intended requests per second. */
  ratePerSec?: number;
  /** Open loop only: requests in flight or queued beyond this are dropped and counted as errors. */
  outstandingMax?: number;
  workload: Workload;
}

export interface LoadSpec {
  groups: GroupSpec[];
  durationMs: number;
  /** Per group: the run stops sending once this many requests were sent. */
  requestsMax: number;
  requestTimeoutMs: number;
  seed: number;
  /** Keep per-request (sent, done) times of 2xx responses, up to this many (0: none). */
  timelineMax: number;
}

/** Counts for one tag or one group. Invariant: completed + errors === sent. */
export interface RequestCounts {
  sent: number;
  /** Got an HTTP response (any status). */
  completed: number;
  /** 2xx responses. */
  ok: number;
  /** Completed with a status outside 200..299. */
  non2xx: number;
  /** No response: network error, timeout, or dropped at the outstanding cap. */
  errors: number;
  /** Non-2xx statuses ("503": 12) and error codes ("ECONNREFUSED": 3, "outstanding-cap": 5). */
  byStatus: Record<string, number>;
}

export interface TagResult extends RequestCounts {
  latency: LatencySummary;
}

/** A 2xx response's times, epoch milliseconds (fractional). */
export interface TimelineEntry {
  tag: string;
  origin: number;
  sentAtMs: number;
  doneAtMs: number;
}

export interface GroupResult extends TagResult {
  name: string;
  mode: LoadMode;
  connections: number;
  ratePerSec: number | null;
  elapsedMs: number;
  throughputPerSec: number;
  okPerSec: number;
  byTag: Record<string, TagResult>;
}

export interface GeneratorCpu {
  userMs: number;
  systemMs: number;
  wallMs: number;
  /** 100 = one core fully busy. */
  percentOfOneCore: number;
  cores: number;
}

export interface LoadResult {
  startedAtMs: number;
  groups: GroupResult[];
  generatorCpu: GeneratorCpu;
  timeline: TimelineEntry[];
  timelineDropped: number;
  seed: number;
}

/** Parent -> load child over IPC: first a LoadSpec, then optionally this to end the run early. */
export const STOP_MESSAGE = 'stop';
