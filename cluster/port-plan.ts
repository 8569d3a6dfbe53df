/**
 * The launcher's port plan (DESIGN.md §7). Defaults with base port 8080:
 *   node nK (K = 1..5): HTTP 8080 + 100 (K-1), gRPC 9080 + 100 (K-1)
 *   exchanges 1..3:     8081, 8082, 8083
 *   DynamoDB (dynalite) 8000, Toxiproxy API 8474
 * `--base-port N` shifts every one of them by (N - 8080). Redis (when the launcher starts
 * it), the launcher's control API and the fault proxies take free ports instead.
 */
export const DEFAULT_BASE_PORT = 8080;
export const NODE_COUNTS = [3, 5] as const;
export type NodeCount = (typeof NODE_COUNTS)[number];
export const EXCHANGE_COUNT = 3;

const NODE_HTTP_PORT = 8080;
const NODE_GRPC_PORT = 9080;
const NODE_PORT_STRIDE = 100;
const EXCHANGE_FIRST_PORT = 8081;
const DYNAMODB_PORT = 8000;
const TOXIPROXY_PORT = 8474;
/** Lowest port a plan may use: keep clear of privileged ports. */
export const PLAN_PORT_MIN = 1024;
export const PLAN_PORT_MAX = 65535;

export interface NodePorts {
  readonly id: string;
  readonly httpPort: number;
  readonly grpcPort: number;
}

export interface PortPlan {
  readonly basePort: number;
  readonly nodes: readonly NodePorts[];
  readonly exchangePorts: readonly number[];
  readonly dynamodbPort: number;
  readonly toxiproxyPort: number;
}

export function nodeIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `n${i + 1}`);
}

export function isNodeCount(value: number): value is NodeCount {
  return (NODE_COUNTS as readonly number[]).includes(value);
}

/** The ports of a cluster of `nodeCount` nodes shifted to `basePort`; throws if any falls outside 1024..65535. */
export function planPorts(basePort: number, nodeCount: number): PortPlan {
  if (!Number.isInteger(basePort)) throw new Error(`base port must be an integer, got ${basePort}`);
  if (!isNodeCount(nodeCount)) throw new Error(`nodes must be one of ${NODE_COUNTS.join(', ')}, got ${nodeCount}`);
  const shift = basePort - DEFAULT_BASE_PORT;
  const plan: PortPlan = {
    basePort,
    nodes: nodeIds(nodeCount).map((id, i) => ({
      id,
      httpPort: NODE_HTTP_PORT + NODE_PORT_STRIDE * i + shift,
      grpcPort: NODE_GRPC_PORT + NODE_PORT_STRIDE * i + shift,
    })),
    exchangePorts: Array.from({ length: EXCHANGE_COUNT }, (_, i) => EXCHANGE_FIRST_PORT + i + shift),
    dynamodbPort: DYNAMODB_PORT + shift,
    toxiproxyPort: TOXIPROXY_PORT + shift,
  };
  const ports = planPortList(plan);
  const low = Math.min(...ports.map((p) => p.port));
  const high = Math.max(...ports.map((p) => p.port));
  if (low < PLAN_PORT_MIN || high > PLAN_PORT_MAX) {
    throw new Error(
      `base port ${basePort} puts ports at ${low}..${high}; they must stay in ${PLAN_PORT_MIN}..${PLAN_PORT_MAX} ` +
        `(base port ${DEFAULT_BASE_PORT - DYNAMODB_PORT + PLAN_PORT_MIN}..${PLAN_PORT_MAX - (high - basePort)})`,
    );
  }
  return plan;
}

/** Every fixed port of the plan with what it is for (used to check they are free before starting). */
export function planPortList(plan: PortPlan): { what: string; port: number }[] {
  return [
    ...plan.nodes.flatMap((n) => [
      { what: `${n.id} HTTP`, port: n.httpPort },
      { what: `${n.id} gRPC`, port: n.grpcPort },
    ]),
    ...plan.exchangePorts.map((port, i) => ({ what: `exchange${i + 1}`, port })),
    { what: 'DynamoDB (dynalite)', port: plan.dynamodbPort },
    { what: 'Toxiproxy API', port: plan.toxiproxyPort },
  ];
}
