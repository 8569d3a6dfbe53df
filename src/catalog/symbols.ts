import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';

/** A symbol: lowercase letters and digits, 1..32 characters (symbols are case-insensitive). */
export const SYMBOL_PATTERN = /^[a-z0-9]{1,32}$/;
export const SYMBOL_LENGTH_MAX = 32;
export const SYMBOLS_COUNT_MAX = 100_000;

export const TierName = { Hot: 'hot', Medium: 'medium', Cold: 'cold' } as const;
export type TierName = (typeof TierName)[keyof typeof TierName];

/** Tier sizes by position in symbols.csv: first 20 hot, next 180 medium, the rest cold. */
export const HOT_TIER_SIZE = 20;
export const MEDIUM_TIER_SIZE = 180;

export function normalizeSymbol(raw: string): string {
  return raw.trim().toLowerCase();
}

export function tierOfPosition(position: number): TierName {
  if (position < HOT_TIER_SIZE) return TierName.Hot;
  if (position < HOT_TIER_SIZE + MEDIUM_TIER_SIZE) return TierName.Medium;
  return TierName.Cold;
}

/** Parse symbols.csv text: header row with a `symbol` column (extra columns allowed), order kept. */
export function parseSymbolsCsv(text: string, source = 'symbols.csv'): string[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (err) {
    throw new Error(`${source}: not valid CSV: ${(err as Error).message}`);
  }
  const symbols: string[] = [];
  const seen = new Set<string>();
  records.forEach((record, i) => {
    const line = i + 2;
    const raw = record['symbol'];
    if (raw === undefined) throw new Error(`${source}: header must have a "symbol" column`);
    const symbol = normalizeSymbol(raw);
    if (!SYMBOL_PATTERN.test(symbol)) {
      throw new Error(`${source}:${line}: symbol "${raw}" must be 1..${SYMBOL_LENGTH_MAX} letters or digits`);
    }
    if (seen.has(symbol)) throw new Error(`${source}:${line}: duplicate symbol "${symbol}"`);
    seen.add(symbol);
    symbols.push(symbol);
  });
  if (symbols.length === 0) throw new Error(`${source}: no symbols`);
  if (symbols.length > SYMBOLS_COUNT_MAX) {
    throw new Error(`${source}: ${symbols.length} symbols, at most ${SYMBOLS_COUNT_MAX} allowed`);
  }
  return symbols;
}

export async function loadSymbols(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read symbols file ${path}: ${(err as Error).message}`);
  }
  return parseSymbolsCsv(text, path);
}
