/**
 * V8 flags every Bazaar node process runs with: the launcher (`npm start`), `npm run node`, the
 * test harness, the Dockerfile's CMD and docker-compose's commands. cluster/repo/node-flags.test.ts
 * keeps those places agreeing with this list.
 *
 * `--single-threaded-gc`: V8 marks and sweeps on the main thread, in increments between tasks,
 * instead of on helper threads. On a machine whose cores the node shares with its peers, Redis and
 * the clients (two cores in our soak, 95% busy), the helpers compete for the same cores as the
 * main thread, and the event-loop delay maximum of issue 17 (108-151 ms) was each time a major
 * GC pause. Measured with `npm run bench -- soak` (bench/README.md, "Soak"): over 8 quiet
 * minutes the per-node maximum stayed under 100 ms in 23 of 24 node-minutes (before: 24 of 30,
 * up to 151 ms); in 2-minute soaks alternating with and without the flag on a loaded machine,
 * 34-164 ms against 69-189 ms, and RSS flat against +25% in two minutes.
 */
export const NODE_V8_FLAGS: readonly string[] = ['--single-threaded-gc'];
