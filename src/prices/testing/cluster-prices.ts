/**
 * Helpers for slow tests of the price pipeline on a running cluster: bounded HTTP calls to the
 * nodes' price routes and /metrics, polling with a deadline, and a direct read of the history
 * table in DynamoDB (dynalite).
 */
import { GetItemCommand, QueryCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { PRICES_TABLE } from '../dynamo-history-store.js';
import type { PriceView } from '../price-view.js';

export const HTTP_TIMEOUT_MS = 5_000;
export const POLL_MS = 50;
/** Scan pages read before giving up (1 MB each: far beyond a test's history). */
const SCAN_PAGES_MAX = 200;

export interface Answer<T> {
  /** 0 when there was no answer (timeout, connection error). */
  readonly status: number;
  readonly body: T | null;
  readonly text: string;
}

async function call<T>(url: string, init: RequestInit = {}): Promise<Answer<T>> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    const text = await response.text();
    let body: T | null = null;
    try {
      body = JSON.parse(text) as T;
    } catch {
      body = null;
    }
    return { status: response.status, body, text };
  } catch (err) {
    return { status: 0, body: null, text: (err as Error).message };
  }
}

export function getPrice(nodeUrl: string, asset: string): Promise<Answer<PriceView>> {
  return call<PriceView>(`${nodeUrl}/prices/${asset}`);
}

export function postRefresh(nodeUrl: string, asset: string): Promise<Answer<PriceView & { message: string }>> {
  return call(`${nodeUrl}/refresh/${asset}`, { method: 'POST' });
}

/** One sample of a gauge from a node's /metrics (Prometheus text); null if absent or no answer. */
export async function scrapeGauge(nodeUrl: string, name: string, labels: Readonly<Record<string, string>>): Promise<number | null> {
  const answer = await call<never>(`${nodeUrl}/metrics`);
  if (answer.status !== 200) return null;
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of answer.text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((w) => present.includes(w))) return Number(match[3]);
  }
  return null;
}

/** Sum of every sample of a metric on a node's /metrics (a counter over all its labels); null if no answer. */
export async function scrapeSum(nodeUrl: string, name: string): Promise<number | null> {
  const answer = await call<never>(`${nodeUrl}/metrics`);
  if (answer.status !== 200) return null;
  let sum = 0;
  for (const line of answer.text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{.*\})? (\S+)$/.exec(line);
    if (match !== null && match[1] === name) sum += Number(match[2]);
  }
  return sum;
}

/** Poll `check` until it returns a value (not null) or the deadline passes; the error says what and the last state. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | null>, describeLast: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== null) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describeLast() === '' ? '' : `; last: ${describeLast()}`}`);
    await sleep(POLL_MS);
  }
}

/** The attributes of a history item a test checks. */
export interface HistoryItem {
  readonly asset: string;
  readonly timestamp: number;
  readonly price: number;
  readonly updatedAt: number;
  readonly term: number;
  readonly writer: string | null;
}

function toHistoryItem(item: Record<string, AttributeValue>): HistoryItem {
  return {
    asset: item['asset']?.S ?? '',
    timestamp: Number(item['timestamp']?.N ?? NaN),
    price: Number(item['price']?.N ?? NaN),
    updatedAt: Number(item['updated_at']?.N ?? NaN),
    term: Number(item['term']?.N ?? NaN),
    writer: item['writer']?.S ?? null,
  };
}

/** Every item of the history table (strongly consistent scan, paged). */
export async function scanHistory(client: DynamoDBClient): Promise<HistoryItem[]> {
  const items: HistoryItem[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  for (let page = 0; page < SCAN_PAGES_MAX; page++) {
    const result = await client.send(new ScanCommand({ TableName: PRICES_TABLE, ConsistentRead: true, ExclusiveStartKey: startKey }));
    items.push(...(result.Items ?? []).map(toHistoryItem));
    startKey = result.LastEvaluatedKey;
    if (startKey === undefined) return items;
  }
  throw new Error(`history scan did not finish within ${SCAN_PAGES_MAX} pages`);
}

/** term -> the set of writers of that term's items. */
export function writersByTerm(items: readonly HistoryItem[]): Map<number, Set<string | null>> {
  const byTerm = new Map<number, Set<string | null>>();
  for (const item of items) {
    const writers = byTerm.get(item.term) ?? new Set<string | null>();
    writers.add(item.writer);
    byTerm.set(item.term, writers);
  }
  return byTerm;
}

/** The history item of `asset` at quote time `timestamp` (strongly consistent), or null. */
export async function historyItem(client: DynamoDBClient, asset: string, timestamp: number): Promise<HistoryItem | null> {
  const result = await client.send(
    new GetItemCommand({ TableName: PRICES_TABLE, Key: { asset: { S: asset }, timestamp: { N: String(timestamp) } }, ConsistentRead: true }),
  );
  return result.Item === undefined ? null : toHistoryItem(result.Item);
}

/** The newest history item of `asset` (newest quote time, strongly consistent), or null. */
export async function latestHistoryItem(client: DynamoDBClient, asset: string): Promise<HistoryItem | null> {
  const result = await client.send(
    new QueryCommand({
      TableName: PRICES_TABLE,
      KeyConditionExpression: 'asset = :a',
      ExpressionAttributeValues: { ':a': { S: asset } },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    }),
  );
  const item = result.Items?.[0];
  return item === undefined ? null : toHistoryItem(item);
}
