import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RaftCoreCtor } from './sim-node.js';

/** The real core, beside this directory. */
export const defaultCorePath = fileURLToPath(new URL('../core/raft-core.ts', import.meta.url));

/** Import a module exporting `RaftCore` (the real core or a mutant copy). */
export async function loadCore(modulePath: string = defaultCorePath): Promise<RaftCoreCtor> {
  const url = pathToFileURL(resolve(modulePath)).href;
  let loaded: unknown;
  try {
    loaded = await import(url);
  } catch (error) {
    throw new Error(`cannot import Raft core from ${modulePath}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const ctor = (loaded as { RaftCore?: unknown }).RaftCore;
  if (typeof ctor !== 'function') throw new Error(`${modulePath} does not export a RaftCore class`);
  return ctor as RaftCoreCtor;
}
