// CPU profile of demo members started by the Raft benchmark (node refuses --cpu-prof in
// NODE_OPTIONS, but --import is allowed). Usage:
//   RAFT_CPU_PROF_DIR=/tmp/prof NODE_OPTIONS="--import=$PWD/raft/bench/cpu-profile-preload.mjs" npm run bench:raft -- ...
// Only processes running demo-node-main are profiled; each writes
// <dir>/<node id>-<pid>.cpuprofile when it exits (open in Chrome DevTools or summarize with
// `npx tsx raft/bench/cpu-profile-summary.ts FILE`).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import process from 'node:process';

const dir = process.env.RAFT_CPU_PROF_DIR;
const isMember = process.argv.some((arg) => arg.endsWith('demo-node-main.ts'));
if (dir !== undefined && dir !== '' && isMember) {
  const idAt = process.argv.indexOf('--id');
  const id = idAt >= 0 ? process.argv[idAt + 1] : 'member';
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  process.on('exit', () => {
    // A same-thread session answers synchronously, so this completes inside the exit handler.
    session.post('Profiler.stop', (error, result) => {
      if (error === null) writeFileSync(join(dir, `${id}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
