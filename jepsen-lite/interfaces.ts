/**
 * The three impure jepsen-lite concepts, after Jepsen: Db (the system under test as processes),
 * Nemesis (faults), Client (one operation against one node). The runner (runner.ts) only talks
 * to these interfaces, so it runs against a real cluster (cluster-db.ts, cluster-nemesis.ts,
 * client.ts, all on cluster/control.ts) or against in-process fakes in unit tests.
 */
import type { Fault } from './generator.js';
import type { OpF, OpType } from './history.js';
import type { Request } from './generator.js';

/** The cluster: its processes and where to reach them. */
export interface Db {
  /** Node ids, e.g. ['n1', 'n2', 'n3']. */
  nodes(): readonly string[];
  /** HTTP base URL of a node (the REST contract of DESIGN.md section 4). */
  nodeUrl(node: string): string;
  /** Current leader, or null when none is known right now. */
  leader(): Promise<string | null>;
  /** SIGKILL the node's process. */
  kill(node: string): Promise<void>;
  /** Start a killed node (same data dir). */
  start(node: string): Promise<void>;
  /** SIGSTOP / SIGCONT. */
  pause(node: string): Promise<void>;
  resume(node: string): Promise<void>;
  /** Waits until every node answers and a leader exists; throws after timeoutMs. */
  awaitHealthy(timeoutMs: number): Promise<void>;
  /** Directory holding the nodes' logs (copied into the run's store dir). */
  logsDir(): string;
  /** Stops what this Db started (a fresh cluster); leaves an attached cluster running. */
  close(): Promise<void>;
}

/** What the nemesis did, recorded in the history as a nemesis line. */
export interface FaultRecord {
  /** History `f`: the fault kind, e.g. 'partition'. */
  f: string;
  /** Details for the history line (groups cut, node killed, ...). */
  detail: Record<string, unknown>;
}

export interface Nemesis {
  /** Applies a fault; resolves targets ('leader', random) at call time. */
  invoke(fault: Fault): Promise<FaultRecord>;
  /** Undoes one fault started by invoke (restart a killed node, resume, reconnect, ...). */
  stop(fault: Fault): Promise<FaultRecord>;
  /** Undoes everything: every link back, every node running and resumed, Redis up, exchanges clean. */
  heal(): Promise<FaultRecord>;
}

/**
 * One completed operation: the history completion line's type and, for ok, its value. For
 * fail and info the runner records the invoke's value (the history format asks for it).
 */
export interface Completion {
  type: Exclude<OpType, 'invoke'>;
  value: unknown;
  /** Why it was fail/info (HTTP status, error code), for logs and the timeline; not in the history. */
  error?: string;
}

export interface Client {
  /** The history line values of the invoke for this request. */
  invokeValue(request: Request): { f: OpF; key: string | null; value: unknown };
  /** Sends request to node and maps the outcome to ok/fail/info (see client.ts for the rules). */
  invoke(node: string, request: Request): Promise<Completion>;
  close(): Promise<void>;
}
