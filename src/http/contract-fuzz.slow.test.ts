import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { NodeCluster } from '../node/testing/node-processes.js';
import { mapLimit, testSeed } from '../node/testing/trade-ledger.js';
import { OPENAPI_PATH } from './openapi-main.js';
import { errorContractProblems, ResponseSchemas, type Answer } from './testing/contract-check.js';
import { contractRequests, type FuzzRequest, type OpenApiDocument } from './testing/contract-requests.js';
import { FIXED_RAW_CASES, generatedRawCases, type RawCase } from './testing/raw-cases.js';
import { rawRequest } from './testing/raw-http.js';

/**
 * The contract fuzz over real sockets: three real node processes; thousands of requests
 * generated from openapi.yaml to every documented route, spread over the nodes, plus raw-socket
 * cases. Every answer: no 5xx but 503 + Retry-After, the error contract, documented success
 * bodies. State: the orders log afterwards holds exactly the trades answered 200 (plus at most
 * the ones whose outcome was unknown), and the stocks equal the initial catalog plus those
 * orders, so no rejected request changed state. Logs: no error-level line.
 */

const SYMBOLS = ['aapl', 'msft', 'btcusdt', 'ethusdt', 'stock1', 'stock2'];
const INITIAL_QUANTITY = 100;
const REQUESTS = Number(process.env['BAZAAR_FUZZ_REQUESTS'] ?? 3_000);
const GENERATED_RAW_CASES = 200;
const CONCURRENCY = 8;
const REQUEST_TIMEOUT_MS = 10_000;
const SEED = testSeed();
const PRICE_PREFIXES = ['/prices', '/refresh'];

let cluster: NodeCluster | null = null;
let document: OpenApiDocument;

beforeAll(async () => {
  console.log(`contract fuzz seed ${SEED}, ${REQUESTS} requests (BAZAAR_TEST_SEED, BAZAAR_FUZZ_REQUESTS to replay)`);
  document = parse(await readFile(OPENAPI_PATH, 'utf8')) as OpenApiDocument;
  cluster = await NodeCluster.start({ size: 3, symbols: SYMBOLS, redisUrl: null });
  await cluster.waitForLeader();
}, 120_000);

afterAll(async () => {
  await cluster?.close();
});

function need(): NodeCluster {
  if (cluster === null) throw new Error('cluster not started');
  return cluster;
}

interface Sent {
  readonly request: FuzzRequest;
  readonly answer: Answer | null;
  readonly clientError: string | null;
}

async function send(base: string, r: FuzzRequest): Promise<Sent> {
  try {
    const res = await request(`${base}${r.path}`, {
      method: r.method as 'GET',
      headers: r.headers,
      body: r.body,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
    if (String(res.headers['content-type']).startsWith('text/event-stream')) {
      // GET /prices/stream never ends by itself: the answer is its status and headers.
      res.body.destroy();
      return { request: r, answer: { status: res.statusCode, headers: res.headers, body: '' }, clientError: null };
    }
    const body = await res.body.text();
    return { request: r, answer: { status: res.statusCode, headers: res.headers, body }, clientError: null };
  } catch (err) {
    return { request: r, answer: null, clientError: (err as Error).message };
  }
}

function hints(): { strings: string[] } {
  const names = SYMBOLS.flatMap((s) => [s, s.toUpperCase()]);
  const numbers = Array.from({ length: 30 }, (_, i) => String(i + 1));
  // Known symbols repeated: most generated symbols should name a stock, so trades execute.
  return { strings: [...names, ...names, ...names, ...names, ...need().ids, ...numbers, 'BUY', 'SELL', 'sell', 'stale', 'linearizable', 'key-1', 'key-2', 'user'] };
}

interface Order {
  readonly name: string;
  readonly type: string;
  readonly quantity: number;
}

async function getJson(base: string, path: string): Promise<{ status: number; body: unknown }> {
  const res = await request(`${base}${path}`, { headersTimeout: REQUEST_TIMEOUT_MS });
  return { status: res.statusCode, body: await res.body.json() };
}

/** Every order in the log, from 1 up to the first 404 (numbers are dense). */
async function readOrders(base: string): Promise<Map<number, Order>> {
  const orders = new Map<number, Order>();
  for (let n = 1; ; n++) {
    const res = await getJson(base, `/orders?order-number=${n}`);
    if (res.status === 404) return orders;
    expect(res.status, `order ${n}`).toBe(200);
    orders.set(n, (res.body as { data: Order }).data);
  }
}

function tradeOf(json: unknown): Order | null {
  const b = json as Partial<Record<'name' | 'type' | 'quantity', unknown>> | null;
  if (typeof b?.name !== 'string' || typeof b.type !== 'string' || typeof b.quantity !== 'number') return null;
  return { name: b.name.toLowerCase(), type: b.type.toUpperCase(), quantity: b.quantity };
}

describe('contract fuzz over real sockets', () => {
  it(`answers ${REQUESTS} requests generated from openapi.yaml within the contract, and rejected ones change nothing`, async () => {
    const c = need();
    const leader = await c.waitForLeader();
    const requests = fc.sample(contractRequests(document, hints()), { numRuns: REQUESTS, seed: SEED });
    const schemas = new ResponseSchemas(document);
    const sent = await mapLimit(requests, CONCURRENCY, (r, i) => send(c.url(c.ids[i % c.ids.length] ?? leader), r));

    const problems: string[] = [];
    const executed = new Map<number, Order>();
    let unknownTrades = 0;
    for (const s of sent) {
      const { request: r, answer } = s;
      if (answer === null) continue;
      const where = `${r.method} ${r.path} -> ${answer.status}`;
      if (answer.status >= 400) {
        for (const p of errorContractProblems(answer, PRICE_PREFIXES.some((x) => r.path.startsWith(x)))) problems.push(`${where}: ${p}`);
      } else {
        const p = schemas.check(r.template, r.method, answer);
        if (p !== null) problems.push(`${where}: ${p}`);
      }
      if (r.method !== 'POST' || r.template !== '/orders') continue;
      if (answer.status === 200) {
        const trade = tradeOf(r.json);
        if (trade === null) problems.push(`${where}: a 200 trade whose body was not a trade`);
        else executed.set((JSON.parse(answer.body) as { data: { transaction_number: number } }).data.transaction_number, trade);
      } else if (answer.status === 503 && !answer.body.includes('"executed":false')) unknownTrades++;
    }
    const clientErrors = sent.filter((s) => s.clientError !== null);
    expect(problems.slice(0, 20), `${problems.length} contract violations`).toEqual([]);
    expect(clientErrors.length, clientErrors.slice(0, 5).map((s) => `${s.request.method} ${s.request.path}: ${s.clientError}`).join('\n')).toBeLessThan(REQUESTS / 20);
    const statuses = new Map<number, number>();
    for (const s of sent) if (s.answer !== null) statuses.set(s.answer.status, (statuses.get(s.answer.status) ?? 0) + 1);
    console.log(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}; trades executed ${executed.size}, unknown ${unknownTrades}`);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(REQUESTS / 10); // the generator reaches success paths
    expect(executed.size).toBeGreaterThan(REQUESTS / 200); // trades among them
    expect(statuses.get(400) ?? 0).toBeGreaterThan(REQUESTS / 10); // and rejections

    const base = c.url(await c.waitForLeader());
    const orders = await readOrders(base);
    for (const [n, trade] of executed) expect(orders.get(n), `order ${n} answered 200`).toEqual(expect.objectContaining(trade));
    expect(orders.size - executed.size).toBeLessThanOrEqual(unknownTrades);
    for (const name of SYMBOLS) {
      let quantity = INITIAL_QUANTITY;
      let volume = 0;
      for (const o of orders.values()) {
        if (o.name !== name) continue;
        quantity += o.type === 'BUY' ? -o.quantity : o.quantity;
        volume += o.quantity;
      }
      const stock = await getJson(base, `/stocks?stockname=${name}`);
      expect(stock.body, name).toMatchObject({ data: { quantity, volume } });
    }
  }, 150_000);

  it('answers raw-socket cases (bad request lines and headers, oversized, partial) within the contract', async () => {
    const c = need();
    const port = Number(new URL(c.url(c.ids[0] ?? 'n1')).port);
    const cases: RawCase[] = [...FIXED_RAW_CASES, ...fc.sample(generatedRawCases(), { numRuns: GENERATED_RAW_CASES, seed: SEED })];
    const problems: string[] = [];
    await mapLimit(cases, CONCURRENCY, async (rawCase) => {
      const res = await rawRequest(port, rawCase.bytes, rawCase.expectAnswer ? 5_000 : 300);
      if (res.status === null) {
        if (rawCase.expectAnswer) problems.push(`${rawCase.label}: no answer (${JSON.stringify(res.body.slice(0, 80))})`);
        return;
      }
      if (res.status >= 400) for (const p of errorContractProblems({ status: res.status, headers: res.headers, body: res.body }, false)) problems.push(`${rawCase.label} -> ${res.status}: ${p}`);
    });
    expect(problems).toEqual([]);
    expect(c.isRunning(c.ids[0] ?? 'n1')).toBe(true);
  }, 120_000);

  it('logged no error-level line on any node', async () => {
    const c = need();
    const errors: string[] = [];
    for (const id of c.ids) {
      for (const line of (await c.readLog(id)).split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { level?: number };
        if ((entry.level ?? 0) >= 50) errors.push(`${id}: ${line.slice(0, 400)}`);
      }
    }
    expect(errors.slice(0, 10)).toEqual([]);
  });
});
