/**
 * Child-process entry of the load generator: receives one LoadSpec over IPC, runs it, sends
 * back the LoadResult, exits. Running apart keeps the generator's event loop and CPU figures
 * separate from the orchestrating process (which may be killing leaders meanwhile).
 */
import { runLoad } from './run-load.js';
import type { LoadSpec } from './types.js';

export type ChildReply = { result: import('./types.js').LoadResult } | { error: string };

process.once('message', (spec: LoadSpec) => {
  runLoad(spec).then(
    (result) => reply({ result }),
    (err: unknown) => reply({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});

function reply(message: ChildReply): void {
  process.send?.(message, undefined, undefined, () => process.disconnect());
}
