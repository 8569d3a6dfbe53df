import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { tailFile } from './log-tail.js';
import { describeProcessState } from './process-state.js';

/**
 * One child process the launcher owns: spawned in its own process group (so a terminal's
 * Ctrl-C reaches only the launcher, which then stops children in order), stdout and stderr
 * appended to its log file, readiness polled, exits reported.
 */
export interface ChildSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly logFile: string;
  /** Resolves true once the child serves; polled until `readyTimeoutMs`. */
  readonly ready: () => Promise<boolean>;
  readonly readyTimeoutMs: number;
}

export type ChildState = 'down' | 'starting' | 'up' | 'paused';

export interface ChildExit {
  readonly name: string;
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when the launcher asked for it (kill, stop, restart). */
  readonly expected: boolean;
  /** False when it exited while starting (start() then rejects with the details). */
  readonly wasReady: boolean;
}

export interface ChildView {
  readonly name: string;
  readonly pid: number | null;
  readonly state: ChildState;
  readonly lastExit: { readonly code: number | null; readonly signal: string | null } | null;
}

const READY_POLL_MS = 100;

export class SupervisedChild {
  private child: ChildProcess | null = null;
  private paused = false;
  private ready = false;
  private expectExit = false;
  private lastExit: ChildView['lastExit'] = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly spec: ChildSpec,
    private readonly onExit: (exit: ChildExit) => void,
  ) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  view(): ChildView {
    const state: ChildState = this.child === null ? 'down' : this.paused ? 'paused' : this.ready ? 'up' : 'starting';
    return { name: this.spec.name, pid: this.pid, state, lastExit: this.lastExit };
  }

  /** Spawn and wait until ready; on failure the child is killed and the error carries its log tail. */
  async start(): Promise<void> {
    if (this.child !== null) throw new Error(`${this.spec.name} is already running (pid ${this.pid})`);
    const fd = openSync(this.spec.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.spec.command, [...this.spec.args], {
        cwd: this.spec.cwd,
        env: this.spec.env,
        stdio: ['ignore', fd, fd],
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    const pid = child.pid;
    if (pid === undefined) {
      const failure = await new Promise<Error>((resolve) => child.once('error', resolve));
      throw new Error(`${this.spec.name}: could not start ${this.spec.command}: ${failure.message}`);
    }
    this.child = child;
    this.paused = false;
    this.ready = false;
    this.expectExit = false;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        const expected = this.expectExit;
        const wasReady = this.ready;
        this.child = null;
        this.ready = false;
        this.paused = false;
        this.lastExit = { code, signal };
        this.onExit({ name: this.spec.name, pid, code, signal, expected, wasReady });
        resolve();
      });
    });
    await this.waitReady(child);
  }

  private async waitReady(child: ChildProcess): Promise<void> {
    // Monotonic: a step of the wall clock (NTP) must not end the wait early.
    const startedMs = performance.now();
    let probes = 0;
    let probeFailure = 'none';
    while (this.child === child) {
      probes++;
      const ready = await this.spec.ready().catch((error: unknown) => {
        probeFailure = describeProbeError(error);
        return false;
      });
      if (ready) {
        if (this.child !== child) break;
        this.ready = true;
        return;
      }
      const waitedMs = performance.now() - startedMs;
      if (waitedMs > this.spec.readyTimeoutMs) {
        const state = child.pid === undefined ? null : await describeProcessState(child.pid);
        await this.kill();
        throw new Error(
          `${this.spec.name}: not ready after ${this.spec.readyTimeoutMs} ms (waited ${Math.round(waitedMs)} ms, ${probes} probes; ` +
            `process ${state ?? 'state unknown'}; last probe error: ${probeFailure}); ` +
            `log ${this.spec.logFile}:\n${await tailFile(this.spec.logFile)}`,
        );
      }
      await new Promise((r) => setTimeout(r, READY_POLL_MS));
    }
    const exit = this.lastExit;
    throw new Error(
      `${this.spec.name}: exited (code ${exit?.code ?? 'none'}, signal ${exit?.signal ?? 'none'}) before it was ready; ` +
        `log ${this.spec.logFile}:\n${await tailFile(this.spec.logFile)}`,
    );
  }

  /** Send `signal` (SIGKILL by default) and wait for the exit. No-op when down. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.expectExit = true;
    this.signal(signal);
    if (this.paused && signal !== 'SIGKILL') this.signal('SIGCONT');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once exited. */
  async stop(graceMs: number): Promise<void> {
    if (this.child === null) return;
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      await this.kill('SIGTERM');
    } finally {
      clearTimeout(timer);
    }
  }

  pause(): void {
    if (this.child === null) throw new Error(`${this.spec.name} is not running`);
    if (this.paused) throw new Error(`${this.spec.name} is already paused`);
    this.signal('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (this.child === null) throw new Error(`${this.spec.name} is not running`);
    if (!this.paused) throw new Error(`${this.spec.name} is not paused`);
    this.signal('SIGCONT');
    this.paused = false;
  }

  /** Last resort (process exit handlers): SIGKILL synchronously, no waiting. */
  killNow(): void {
    this.expectExit = true;
    this.signal('SIGKILL');
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}

/** An error and its cause (fetch hides the socket's error there), on one line. */
function describeProbeError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 3; depth++) {
    parts.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(' <- ');
}
