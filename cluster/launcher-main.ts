/**
 * `npm start`: the whole cluster on this machine (see cluster/README.md). Prints the endpoint
 * table, then a line whenever leadership changes. Ctrl-C / SIGTERM stops every child within
 * 10 s; anything still alive at STOP_DEADLINE_MS is SIGKILLed.
 */
import { Launcher } from './launcher.js';
import { LAUNCHER_USAGE, parseLauncherArgs, type LauncherOptions } from './launcher-options.js';
import { LeaderWatch } from './leader-watch.js';
import { endpointsTable } from './tables.js';

const STOP_DEADLINE_MS = 9_500;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  let options: LauncherOptions | null;
  try {
    options = parseLauncherArgs(process.argv.slice(2), process.env, process.cwd());
  } catch (error) {
    process.stderr.write(`launcher: ${(error as Error).message}\n${LAUNCHER_USAGE}\n`);
    process.exit(2);
  }
  if (options === null) {
    say(LAUNCHER_USAGE);
    return;
  }
  say(`launcher: starting ${options.nodes} nodes in ${options.dataDir}${options.fresh ? ' (fresh)' : ''}; logs in ${options.dataDir}/logs`);
  const launcher = Launcher.create(options, (line) => say(line));
  let watch: LeaderWatch | null = null;
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      say(`launcher: ${signal} again: still stopping (everything is SIGKILLed at the deadline)`);
      return;
    }
    stopping = true;
    say(`launcher: ${signal}: stopping every child`);
    watch?.stop();
    const deadline = setTimeout(() => {
      say(`launcher: not stopped after ${STOP_DEADLINE_MS} ms: SIGKILL everything`);
      launcher.killAllNow();
      process.exit(1);
    }, STOP_DEADLINE_MS);
    deadline.unref();
    void launcher.stop().then(() => {
      say('launcher: stopped');
      process.exit(0);
    });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  const startedAtMs = Date.now();
  try {
    await launcher.run();
  } catch (error) {
    if (stopping) return; // stop() exits once everything is down
    process.stderr.write(`launcher: could not start the cluster: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const file = launcher.describe();
  say(`launcher: cluster up in ${((Date.now() - startedAtMs) / 1000).toFixed(1)} s\n${endpointsTable(file)}`);
  say('launcher: leadership changes follow; Ctrl-C stops everything');
  watch = new LeaderWatch(file.nodes, say);
  watch.start();
  // The watch timer is unref'd: keep the process alive until a signal.
  setInterval(() => undefined, 1 << 30);
}

void main();
