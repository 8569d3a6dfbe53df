/**
 * V8 flags every Bazaar node process runs with: the launcher (`npm start`), `npm run node`, the
 * test harness, the Dockerfile's CMD and docker-compose's commands. cluster/repo/node-flags.test.ts
 * keeps those places agreeing with this list.
 *
 * `--single-threaded-gc`: V8 marks and sweeps on the main thread, in increments between tasks,
 * instead of on helper threads. On a machine whose cores the node shares with its peers, Redis and
 * the clients (two cores in our soak, 95% busy), the helpers wait for a core while the main thread
 * waits for them, and a major GC's final pause grew to 90-150 ms: the event-loop delay maximum
 * of issue 17. With the flag, the same 3-minute soak kept every node's maximum under 85 ms at about
 * one percentage point more time in GC (bench/README.md, "Soak").
 */
export const NODE_V8_FLAGS: readonly string[] = ['--single-threaded-gc'];
