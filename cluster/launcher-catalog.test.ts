import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CATALOG_FILE, prepareCatalog } from './launcher-catalog.js';

let dir = '';
const stocks = Array.from({ length: 10 }, (_, i) => `stock${i + 1}`);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bazaar-catalog-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('launcher catalog (npm start -- --symbols FILE)', () => {
  it('takes any CSV with a symbol column, keeps it in the data dir, and reuses it without --symbols', async () => {
    const file = join(dir, 'mine.csv');
    await writeFile(file, `name,symbol,sector\n${stocks.map((s, i) => `Stock ${i},${s.toUpperCase()},x`).join('\n')}\n`);
    const data = join(dir, 'data');
    await mkdir(data);
    const first = await prepareCatalog(data, file, join(dir, 'default.csv'));
    expect(first).toEqual({ path: join(data, CATALOG_FILE), count: 10 });
    expect(await readFile(first.path, 'utf8')).toBe(`symbol\n${stocks.join('\n')}\n`);
    expect(await prepareCatalog(data, null, join(dir, 'missing-default.csv'))).toEqual(first);
    expect(await prepareCatalog(data, file, join(dir, 'missing-default.csv'))).toEqual(first);
  });

  it('refuses a different catalog for a data dir that holds one, and a file without a symbol column', async () => {
    const data = dir;
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    const bad = join(dir, 'bad.csv');
    await writeFile(a, 'symbol\nstock1\nstock2\n');
    await writeFile(b, 'symbol\nasset1\n');
    await writeFile(bad, 'ticker\nstock1\n');
    await prepareCatalog(data, a, a);
    await expect(prepareCatalog(data, b, a)).rejects.toThrow(/holds another catalog \(2 symbols, first stock1,stock2\).*add --fresh/);
    await expect(prepareCatalog(join(dir, 'other'), bad, a)).rejects.toThrow(/"symbol" column/);
    await expect(prepareCatalog(data, join(dir, 'nope.csv'), a)).rejects.toThrow(/cannot read symbols file/);
  });
});
