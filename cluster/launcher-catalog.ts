import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSymbols, parseSymbolsCsv } from '../src/catalog/symbols.js';

/**
 * The catalog of a launcher data dir: `npm start -- --symbols FILE` (any CSV with a `symbol`
 * column) is checked, then kept as `<data>/catalog.csv`, which the nodes and exchanges read. A
 * later `npm start` without --symbols reuses it; one with a different file is refused, since
 * the nodes' state holds the first catalog (`--fresh` starts over).
 */
export const CATALOG_FILE = 'catalog.csv';

export function catalogCsv(symbols: readonly string[]): string {
  return `symbol\n${symbols.join('\n')}\n`;
}

/** Returns the path the children read (`<dataDir>/catalog.csv`), writing it on first use. */
export async function prepareCatalog(dataDir: string, symbolsFile: string | null, defaultFile: string): Promise<{ path: string; count: number }> {
  const path = join(dataDir, CATALOG_FILE);
  const stored = existsSync(path) ? parseSymbolsCsv(await readFile(path, 'utf8'), path) : null;
  if (symbolsFile === null && stored !== null) return { path, count: stored.length };
  const wanted = await loadSymbols(symbolsFile ?? defaultFile);
  if (stored !== null && catalogCsv(stored) !== catalogCsv(wanted)) {
    throw new Error(
      `${dataDir} holds another catalog (${stored.length} symbols, first ${stored.slice(0, 3).join(',')}) than ${symbolsFile ?? defaultFile} ` +
        `(${wanted.length} symbols): add --fresh to start over with it, or choose another --data-dir`,
    );
  }
  if (stored === null) await writeFile(path, catalogCsv(wanted));
  return { path, count: wanted.length };
}
