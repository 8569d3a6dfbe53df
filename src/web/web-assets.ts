/**
 * The files of the web view, read once at start into memory (a handful of small files, so no
 * file-system access per request and no path from a request ever reaches the file system):
 * src/web/public/* and the charting library's ES module from node_modules (served by the node
 * itself: no CDN, no internet needed).
 */
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WebAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Bound on the files loaded from the public folder. */
export const WEB_ASSET_FILES_MAX = 32;

export const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
/** The chart library's standalone ES module, as the page imports it. */
export const CHART_LIBRARY_PATH = '/vendor/lightweight-charts.mjs';

function chartLibraryFile(): string {
  const require = createRequire(import.meta.url);
  return join(require.resolve('lightweight-charts/package.json'), '..', 'dist', 'lightweight-charts.standalone.production.mjs');
}

/** url path -> asset: `/web/<file>` for the public folder, plus CHART_LIBRARY_PATH. */
export async function loadWebAssets(): Promise<ReadonlyMap<string, WebAsset>> {
  const assets = new Map<string, WebAsset>();
  const files = (await readdir(PUBLIC_DIR)).filter((f) => CONTENT_TYPES[extname(f)] !== undefined).sort();
  if (files.length > WEB_ASSET_FILES_MAX) throw new Error(`${PUBLIC_DIR} holds ${files.length} files: at most ${WEB_ASSET_FILES_MAX}`);
  for (const file of files) {
    assets.set(`/web/${file}`, { body: await readFile(join(PUBLIC_DIR, file)), contentType: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
  }
  assets.set(CHART_LIBRARY_PATH, { body: await readFile(chartLibraryFile()), contentType: CONTENT_TYPES['.mjs'] ?? '' });
  return assets;
}
