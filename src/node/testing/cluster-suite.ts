import { afterAll, beforeAll, beforeEach } from 'vitest';
import { RedisServer } from '../../cache/redis-server.js';
import { NodeCluster } from './node-processes.js';

/**
 * The shared fixture of the node slow suites: a real redis-server and three node processes for
 * the whole file, a leader before the first test, and node logs kept (path printed) when a
 * test failed. Returns the accessor of the running cluster.
 */
export function useNodeClusterWithRedis(name: string, symbols: readonly string[]): () => NodeCluster {
  let redis: RedisServer | null = null;
  let cluster: NodeCluster | null = null;
  let failed = false;

  beforeAll(async () => {
    redis = await RedisServer.start();
    cluster = await NodeCluster.start({ size: 3, symbols: [...symbols], redisUrl: redis.url });
    await cluster.waitForLeader();
  });

  beforeEach((context) => {
    context.onTestFailed(() => {
      failed = true;
    });
  });

  afterAll(async () => {
    if (failed && cluster !== null) console.log(`node logs kept in ${cluster.dir}`);
    await cluster?.close({ keepDir: failed });
    await redis?.destroy();
  });

  return () => {
    if (cluster === null) throw new Error('cluster not started');
    return cluster;
  };
}
