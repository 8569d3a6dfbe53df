/**
 * Cluster operations as a TypeScript module (jepsen-lite, bench, the CLI):
 *   ClusterControl.attach(dataDir)  - a launcher started by `npm start`
 *   startCluster(options)           - a whole cluster started in this process
 */
export { ClusterControl, TRANSFER_WAIT_MS, type ClusterStatus, type NodeStatus } from './cluster-control.js';
export { startCluster, type RunningCluster, type StartClusterOptions } from './start-cluster.js';
export type { LinkState } from './fault-links.js';
export type { LauncherFile } from './launcher-file.js';
export { ISOLATE_LEADER } from './partition.js';
