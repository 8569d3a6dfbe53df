import { normalizeSymbol } from '../catalog/symbols.js';
import { BazaarError, BazaarErrorCode } from '../errors.js';
import { ASSETS_PER_REQUEST_MAX } from './market-schemas.js';

/** Split, normalize and dedupe an `assets` parameter; 400 when empty or beyond ASSETS_PER_REQUEST_MAX. */
export function parseAssets(raw: string): string[] {
  const assets = [...new Set(raw.split(',').map((a) => normalizeSymbol(a)).filter((a) => a.length > 0))];
  if (assets.length === 0) throw new BazaarError(BazaarErrorCode.InvalidRequest, 'assets must name at least one asset');
  if (assets.length > ASSETS_PER_REQUEST_MAX) {
    throw new BazaarError(BazaarErrorCode.InvalidRequest, `assets names ${assets.length} assets: at most ${ASSETS_PER_REQUEST_MAX}`);
  }
  return assets;
}
