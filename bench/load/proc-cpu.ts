import { readFileSync } from 'node:fs';

/**
 * CPU time (user + system) that processes used, from /proc/<pid>/stat (Linux). Lets the bench
 * report server-side CPU per request, a figure far less sensitive to other load on the machine
 * than throughput. Processes that are gone count 0; off Linux every reading is null.
 */
export const CLOCK_TICKS_PER_SEC = 100; // USER_HZ on Linux (getconf CLK_TCK)

/** Milliseconds of CPU one process used so far, or null when it cannot be read. */
export function processCpuMs(pid: number, read: (path: string) => string = (path) => readFileSync(path, 'utf8')): number | null {
  let text: string;
  try {
    text = read(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SEC;
}

/** Sum over `pids` (unreadable ones count 0); null when none can be read. */
export function processesCpuMs(pids: readonly number[]): number | null {
  const readings = pids.map((pid) => processCpuMs(pid));
  if (readings.every((r) => r === null)) return null;
  return readings.reduce<number>((sum, r) => sum + (r ?? 0), 0);
}

/**
 * CPU milliseconds per 1,000 completed requests between two readings (null when unknown);
 * `backgroundMs` (what the processes burn without requests over the same time) is subtracted.
 */
export function cpuMsPerThousand(before: number | null, after: number | null, completed: number, backgroundMs = 0): number | null {
  if (before === null || after === null || completed <= 0) return null;
  return Math.round(((after - before - backgroundMs) * 1000) / completed);
}
