import { cpus } from 'node:os';
import type { GeneratorCpu } from './types.js';

/** Measures this process's CPU time between start and stop (process.cpuUsage). */
export class CpuMeter {
  private readonly startUsage = process.cpuUsage();
  private readonly startWallMs = performance.now();

  stop(): GeneratorCpu {
    const usage = process.cpuUsage(this.startUsage);
    return cpuFigures(usage.user, usage.system, performance.now() - this.startWallMs, cpus().length);
  }
}

/** Pure: CPU figures from microseconds of user/system time over a wall-clock span. */
export function cpuFigures(userUs: number, systemUs: number, wallMs: number, cores: number): GeneratorCpu {
  if (wallMs <= 0) throw new Error(`wallMs must be > 0, got ${wallMs}`);
  const userMs = userUs / 1000;
  const systemMs = systemUs / 1000;
  const percentOfOneCore = Math.round(((userMs + systemMs) / wallMs) * 1000) / 10;
  return { userMs: Math.round(userMs), systemMs: Math.round(systemMs), wallMs: Math.round(wallMs), percentOfOneCore, cores };
}
