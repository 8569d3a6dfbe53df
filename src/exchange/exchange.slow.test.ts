/** The exchange as a real process: "down" resets ticker connections, control stays reachable. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setExchangeFaults, startExchangeProcess, type ChildHandle } from '../prices/testing/local-processes.js';

let exchange: ChildHandle | null = null;

beforeAll(async () => {
  exchange = await startExchangeProcess({ id: 'ex1', symbolsFile: 'symbols.csv', seed: 7, extraArgs: ['--latency-ms', '5'] });
});

afterAll(async () => {
  await exchange?.stop();
});

describe('exchange process', () => {
  it('serves tickers, then resets ticker connections while down; /mock/faults still answers', async () => {
    const url = exchange!.url;
    const ok = await fetch(`${url}/mock/ticker/btcusdt`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ symbol: 'btcusdt' });
    expect(((await (await fetch(`${url}/mock/faults`)).json()) as { latencyMs: number }).latencyMs).toBe(5);
    await setExchangeFaults(url, { down: true });
    const failure = await fetch(`${url}/mock/tickers?symbols=btcusdt`).then(
      () => null,
      (err: Error & { cause?: { code?: string } }) => err.cause?.code ?? err.message,
    );
    expect(failure).toMatch(/ECONNRESET|UND_ERR_SOCKET|other side closed/);
    const faults = (await (await fetch(`${url}/mock/faults`)).json()) as { down: boolean };
    expect(faults.down).toBe(true);
    await setExchangeFaults(url, { down: false });
    expect((await fetch(`${url}/mock/ticker/ethusdt`)).status).toBe(200);
  });
});
