// Preload for `node --import` (allowed in NODE_OPTIONS, unlike --cpu-prof on Node 20): samples
// this process's CPU with the inspector and writes <BENCH_CPU_PROF_DIR>/<pid>-<argv tail>.cpuprofile
// when the process exits normally (process.exit or drained loop; not on SIGKILL).
// With BENCH_CPU_PROF_ON_SIGNAL=1 it samples only between two SIGUSR2s (e.g. one steady-state load
// phase, without start-up) and writes the profile at the second.
import { writeFileSync } from 'node:fs';
import process from 'node:process';
import { Session } from 'node:inspector';
import { basename, join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;

function startProfiler(session) {
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
}

function writeProfile(session, suffix) {
  // The in-thread inspector session answers synchronously, so this completes inside 'exit'.
  session.post('Profiler.stop', (err, result) => {
    if (err || !result) return;
    const name = `${process.pid}-${basename(process.argv[process.argv.length - 1] ?? 'node')}${suffix}.cpuprofile`;
    writeFileSync(join(dir, name), JSON.stringify(result.profile));
  });
}

if (dir) {
  const session = new Session();
  session.connect();
  if (process.env.BENCH_CPU_PROF_ON_SIGNAL === '1') {
    let running = false;
    let count = 0;
    process.on('SIGUSR2', () => {
      if (running) writeProfile(session, `-${count}`);
      else startProfiler(session);
      running = !running;
      if (!running) count += 1;
    });
  } else {
    startProfiler(session);
    process.once('exit', () => writeProfile(session, ''));
  }
}
