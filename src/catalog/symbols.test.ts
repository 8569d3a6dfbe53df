import { describe, expect, it } from 'vitest';
import { loadSymbols, parseSymbolsCsv, tierOfPosition } from './symbols.js';

describe('symbols.csv', () => {
  it('the shipped file has 1,000 symbols including the seed examples', async () => {
    const symbols = await loadSymbols('symbols.csv');
    expect(symbols).toHaveLength(1000);
    expect(symbols.slice(0, 2)).toEqual(['btcusdt', 'ethusdt']);
  });

  it('keeps order, lowercases, allows extra columns', () => {
    expect(parseSymbolsCsv('name,symbol\nx,BTCUSDT\ny,ethusdt\n')).toEqual(['btcusdt', 'ethusdt']);
  });

  it('rejects bad files with the line number', () => {
    expect(() => parseSymbolsCsv('symbol\nbtc\nbtc\n')).toThrow(/:3: duplicate symbol "btc"/);
    expect(() => parseSymbolsCsv('symbol\nbt-c\n')).toThrow(/:2: symbol "bt-c"/);
    expect(() => parseSymbolsCsv('ticker\nbtc\n')).toThrow(/"symbol" column/);
    expect(() => parseSymbolsCsv('symbol\n')).toThrow(/no symbols/);
  });

  it('assigns tiers by position', () => {
    expect([0, 19, 20, 199, 200, 999].map(tierOfPosition)).toEqual(['hot', 'hot', 'medium', 'medium', 'cold', 'cold']);
  });
});
