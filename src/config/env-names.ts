/**
 * Environment variables read by Bazaar processes. One list, so docker-compose, the
 * launcher and the config loaders agree (a test checks docker-compose.yml against it).
 */
export const NodeEnv = {
  /** This node's id, e.g. `n1`. */
  NODE_ID: 'NODE_ID',
  /** HTTP listen host/port. */
  HTTP_HOST: 'HTTP_HOST',
  HTTP_PORT: 'HTTP_PORT',
  /** gRPC listen host/port (Raft + bazaar forwarding). */
  GRPC_HOST: 'GRPC_HOST',
  GRPC_PORT: 'GRPC_PORT',
  /** Peers' gRPC addresses as seen from this node: `n1=host:port,n2=host:port,...` (all members). */
  PEERS: 'PEERS',
  /** Peers' HTTP base URLs (for redirects and /cluster): `n1=http://host:port,...`. */
  PEER_HTTP: 'PEER_HTTP',
  /**
   * Optional: where this node dials members added by configuration changes, overriding the
   * address the change carries (`n4=host:port,...`; the launcher's fault proxies). Set at run
   * time with `PUT /cluster/peers/{id}`.
   */
  PEER_DIAL: 'PEER_DIAL',
  CLUSTER_ID: 'CLUSTER_ID',
  CLUSTER_TOKEN: 'CLUSTER_TOKEN',
  DATA_DIR: 'DATA_DIR',
  /** Unset or empty: run without the Redis cache. */
  REDIS_URL: 'REDIS_URL',
  /** Unset: the node starts no DynamoDB of its own and expects one given here. */
  DYNAMODB_ENDPOINT: 'DYNAMODB_ENDPOINT',
  AWS_REGION: 'AWS_REGION',
  /** Comma-separated base URLs of the exchanges, e.g. `http://127.0.0.1:8081,...`. */
  EXCHANGE_URLS: 'EXCHANGE_URLS',
  SYMBOLS_FILE: 'SYMBOLS_FILE',
  LOG_LEVEL: 'LOG_LEVEL',
  /** Milliseconds per Raft tick. */
  RAFT_TICK_MS: 'RAFT_TICK_MS',
  /**
   * How linearizable reads confirm leadership: `lease` (default: the leader answers within its
   * heartbeat-renewed lease, no round trip; assumes clock rates differ by < 20%) or `read-index`
   * (every read waits for a heartbeat round, no clock assumption).
   */
  RAFT_READ_MODE: 'RAFT_READ_MODE',
  /** `true`: boot as a learner joining a running cluster (PEERS = its voters + this node; empty data dir). */
  RAFT_JOIN: 'RAFT_JOIN',
  /** Raft log entries between compactions (a compaction is a checkpoint: one synced write). Default 10,000. */
  RAFT_SNAPSHOT_THRESHOLD_ENTRIES: 'RAFT_SNAPSHOT_THRESHOLD_ENTRIES',
  /** Log entries kept behind a compaction for slightly lagging followers (default 1,000); further behind: InstallSnapshot. */
  RAFT_COMPACTION_KEEP_ENTRIES: 'RAFT_COMPACTION_KEEP_ENTRIES',
  /** Price refresh interval of each tier (Redis TTL = 3 x interval). */
  PRICE_HOT_INTERVAL_MS: 'PRICE_HOT_INTERVAL_MS',
  PRICE_MEDIUM_INTERVAL_MS: 'PRICE_MEDIUM_INTERVAL_MS',
  PRICE_COLD_INTERVAL_MS: 'PRICE_COLD_INTERVAL_MS',
  /** Idempotency keys remembered: at most this many, for at most this long (leader time). */
  IDEMPOTENCY_KEYS_MAX: 'IDEMPOTENCY_KEYS_MAX',
  IDEMPOTENCY_KEY_TTL_MS: 'IDEMPOTENCY_KEY_TTL_MS',
} as const;

export const ExchangeEnv = {
  EXCHANGE_ID: 'EXCHANGE_ID',
  EXCHANGE_PORT: 'EXCHANGE_PORT',
  EXCHANGE_HOST: 'EXCHANGE_HOST',
  EXCHANGE_SEED: 'EXCHANGE_SEED',
  SYMBOLS_FILE: 'SYMBOLS_FILE',
  /** When set, `POST /mock/faults[/reset]` needs it in the `x-fault-token` header. */
  EXCHANGE_FAULT_TOKEN: 'EXCHANGE_FAULT_TOKEN',
} as const;
