/**
 * Many concurrent GETs from a child process. startCluster runs the launcher, and with it the
 * fault proxies every Raft link goes through, in the test's own process: creating thousands of
 * requests there stalls those proxies for seconds and the cluster loses its leader. A child
 * process keeps the load off the proxies' event loop.
 */
import { execFile } from 'node:child_process';

export interface GetOutcome {
  /** 0: no answer (timeout, connection error). */
  readonly status: number;
  /** Body (cut) of a non-200 answer, or the error; '' for 200. */
  readonly detail: string;
  /** From the start of the whole burst to the answer (or the error). */
  readonly elapsedMs: number;
}

/** Bound on the child's whole run on top of the per-request timeout. */
const CHILD_EXTRA_MS = 30_000;
const OUTPUT_BYTES_MAX = 16 * 1024 * 1024;
const DETAIL_CHARS_MAX = 200;

const SCRIPT = `
const [urls, count, timeoutMs] = [JSON.parse(process.argv[1]), Number(process.argv[2]), Number(process.argv[3])];
const startMs = Date.now();
const one = async (url) => {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    return { status: response.status, detail: response.status === 200 ? '' : text.slice(0, ${DETAIL_CHARS_MAX}), elapsedMs: Date.now() - startMs };
  } catch (err) {
    return { status: 0, detail: String(err && err.message).slice(0, ${DETAIL_CHARS_MAX}), elapsedMs: Date.now() - startMs };
  }
};
const outcomes = await Promise.all(Array.from({ length: count }, (_, i) => one(urls[i % urls.length])));
process.stdout.write(JSON.stringify(outcomes));
`;

/** GET `count` URLs at once (round-robin over `urls`) from a child process; outcomes in request order. */
export function concurrentGets(urls: readonly string[], count: number, timeoutMs: number): Promise<GetOutcome[]> {
  if (urls.length === 0 || !Number.isInteger(count) || count < 1) throw new Error(`concurrentGets needs urls and a count >= 1, got ${urls.length} urls, ${count}`);
  const args = ['--input-type=module', '-e', SCRIPT, JSON.stringify(urls), String(count), String(timeoutMs)];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { timeout: timeoutMs + CHILD_EXTRA_MS, maxBuffer: OUTPUT_BYTES_MAX }, (err, stdout, stderr) => {
      if (err !== null) {
        reject(new Error(`concurrent GET child failed: ${err.message} ${stderr.slice(0, 500)}`));
        return;
      }
      resolve(JSON.parse(stdout) as GetOutcome[]);
    });
  });
}
