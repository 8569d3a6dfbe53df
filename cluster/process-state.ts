import { readFile } from 'node:fs/promises';

/** Kernel states of /proc/<pid>/stat's third field that a readiness error names in words. */
const STATE_NAMES: Readonly<Record<string, string>> = {
  R: 'running',
  S: 'sleeping',
  D: 'in uninterruptible I/O',
  T: 'stopped (SIGSTOP)',
  t: 'stopped by a tracer',
  Z: 'zombie',
};

/**
 * A process's scheduler state and CPU time from /proc, for error messages ("stopped (SIGSTOP),
 * 0.21 s CPU"); null where /proc is missing or the process is gone.
 */
export async function describeProcessState(pid: number): Promise<string | null> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  return parseProcStat(stat);
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on every Linux Node runs on). */
const USER_HZ = 100;

export function parseProcStat(stat: string): string | null {
  // The command name (field 2) is parenthesised and may hold spaces: fields start after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  if (state === undefined || state === '' || !Number.isFinite(userTicks) || !Number.isFinite(systemTicks)) return null;
  const cpuS = (userTicks + systemTicks) / USER_HZ;
  return `${STATE_NAMES[state] ?? `state ${state}`}, ${cpuS.toFixed(2)} s CPU`;
}
