// Preload for `node --import` (allowed in NODE_OPTIONS, unlike --cpu-prof on Node 20): samples
// this process's CPU with the inspector and writes <BENCH_CPU_PROF_DIR>/<pid>-<argv tail>.cpuprofile
// when the process exits normally (process.exit or drained loop; not on SIGKILL).
import { writeFileSync } from 'node:fs';
import process from 'node:process';
import { Session } from 'node:inspector';
import { basename, join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.once('exit', () => {
    // The in-thread inspector session answers synchronously, so this completes inside 'exit'.
    session.post('Profiler.stop', (err, result) => {
      if (err || !result) return;
      const name = `${process.pid}-${basename(process.argv[process.argv.length - 1] ?? 'node')}.cpuprofile`;
      writeFileSync(join(dir, name), JSON.stringify(result.profile));
    });
  });
}
