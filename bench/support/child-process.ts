import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** Node flag that lets a child run a .ts entry directly through tsx. */
export const TSX_IMPORT_ARGS = ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];

/** Kill a child we started (by its PID) and wait for it to exit, at most `waitMs`. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', waitMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), waitMs);
  await exited;
  clearTimeout(timer);
}

/** Resolve with the first stdout line that satisfies `parse`, or reject on exit/timeout. */
export function waitForLine<T>(child: ChildProcess, what: string, timeoutMs: number, parse: (line: string) => T | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    const timer = setTimeout(() => done(new Error(`${what}: not ready within ${timeoutMs} ms. stderr: ${stderr.slice(-2000)}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const value = parse(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        if (value !== undefined) return done(value);
      }
    };
    const onErr = (chunk: Buffer): void => {
      stderr = (stderr + chunk.toString('utf8')).slice(-8000);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      done(new Error(`${what}: exited before ready (code ${code}, signal ${signal}). stderr: ${stderr.slice(-2000)}`));
    };
    const onError = (err: Error): void => done(new Error(`${what}: ${err.message}`));
    const done = (outcome: T | Error): void => {
      clearTimeout(timer);
      child.off('error', onError);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onErr);
      child.off('exit', onExit);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onErr);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

export { spawn };
