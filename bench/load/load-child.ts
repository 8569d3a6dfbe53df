/**
 * Child-process entry of the load generator: receives one LoadSpec over IPC, runs it, sends
 * back the LoadResult, exits. Running apart keeps the generator's event loop and CPU figures
 * separate from the orchestrating process (which may be killing leaders meanwhile).
 */
import { runLoad } from './run-load.js';
import { STOP_MESSAGE, type LoadSpec } from './types.js';

export type ChildReply = { result: import('./types.js').LoadResult } | { error: string };

const stop = new AbortController();
let started = false;
process.on('message', (message: LoadSpec | typeof STOP_MESSAGE) => {
  if (message === STOP_MESSAGE) {
    stop.abort();
    return;
  }
  if (started) throw new Error('load child: a second LoadSpec arrived');
  started = true;
  runLoad(message, stop.signal).then(
    (result) => reply({ result }),
    (err: unknown) => reply({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});

function reply(message: ChildReply): void {
  process.send?.(message, undefined, undefined, () => process.disconnect());
}
