/**
 * Price history in DynamoDB: table `prices` (asset S hash, timestamp N range), written with
 * BatchWriteItem (25 per request; UnprocessedItems retried with bounded exponential backoff).
 *
 * Term fence. BatchWriteItem has no conditions, so each batch is preceded by a conditional
 * UpdateItem on one per-cluster item in table `prices_fence` (`scope = "prices"`):
 * `SET term = :t` if `attribute_not_exists(term) OR term <= :t`. A writer whose term is lower
 * than the fence's is refused (FencedError) and writes nothing.
 * What it guarantees: once a writer of term T has passed the fence, no batch from a writer of
 * a lower term that *starts* afterwards is written. What it does not: a lower-term batch that
 * passed the fence just before may still land after it (each writer keeps at most one batch
 * in flight, so this window is one batch, bounded by the request timeout). Every item also
 * carries its `term` and its `writer` (the writing node's id), so readers can tell which
 * leader wrote it and check that each term had one writer.
 */
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  QueryCommand,
  ResourceInUseException,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { FencedError } from './price-errors.js';
import type { AggregatedPrice, ExcludedSource } from './price-types.js';

export interface HistoryPoint {
  asset: string;
  timestamp: number;
  price: number;
  updatedAt: number;
  sources: string[];
  excluded: ExcludedSource[];
  confidence: number;
  term: number;
}

export interface HistoryQuery {
  fromMs: number;
  toMs: number;
  limit: number;
}

export interface HistoryStore {
  /** Write points under the writer fence of `term`; throws FencedError when deposed. */
  write(points: readonly HistoryPoint[], term: number): Promise<void>;
  latest(asset: string): Promise<HistoryPoint | null>;
  /** Points with fromMs <= timestamp <= toMs, newest first. */
  range(asset: string, query: HistoryQuery): Promise<HistoryPoint[]>;
}

export const PRICES_TABLE = 'prices';
export const FENCE_TABLE = 'prices_fence';
const FENCE_SCOPE = 'prices';
export const BATCH_WRITE_ITEMS_MAX = 25;
export const HISTORY_QUERY_LIMIT_MAX = 1000;
const UNPROCESSED_RETRIES_MAX = 8;
const BACKOFF_BASE_MS = 25;
const BACKOFF_CAP_MS = 1_000;
const TABLE_ACTIVE_WAIT_MS = 30_000;

export function pointFromPrice(price: AggregatedPrice): HistoryPoint {
  return {
    asset: price.asset,
    timestamp: price.timestamp,
    price: price.price,
    updatedAt: price.updatedAt,
    sources: price.sources,
    excluded: price.excluded,
    confidence: price.confidence,
    term: price.term,
  };
}

function toItem(p: HistoryPoint, writer: string): Record<string, AttributeValue> {
  return {
    asset: { S: p.asset },
    timestamp: { N: String(p.timestamp) },
    price: { N: String(p.price) },
    updated_at: { N: String(p.updatedAt) },
    sources: { S: JSON.stringify({ used: p.sources, excluded: p.excluded }) },
    confidence: { N: String(p.confidence) },
    term: { N: String(p.term) },
    writer: { S: writer },
  };
}

function fromItem(item: Record<string, AttributeValue>): HistoryPoint {
  let sources: { used?: string[]; excluded?: ExcludedSource[] } = {};
  try {
    sources = JSON.parse(item['sources']?.S ?? '{}') as typeof sources;
  } catch {
    sources = {};
  }
  return {
    asset: item['asset']?.S ?? '',
    timestamp: Number(item['timestamp']?.N ?? 0),
    price: Number(item['price']?.N ?? 0),
    updatedAt: Number(item['updated_at']?.N ?? 0),
    sources: sources.used ?? [],
    excluded: sources.excluded ?? [],
    confidence: Number(item['confidence']?.N ?? 0),
    term: Number(item['term']?.N ?? 0),
  };
}

export const WRITER_ID_LENGTH_MAX = 64;

export class DynamoHistoryStore implements HistoryStore {
  /** `writerId`: stored as `writer` on every item this store writes (the node id). */
  constructor(
    private readonly client: DynamoDBClient,
    private readonly writerId: string,
  ) {
    if (writerId.length === 0 || writerId.length > WRITER_ID_LENGTH_MAX) {
      throw new Error(`history writerId must be 1..${WRITER_ID_LENGTH_MAX} characters, got "${writerId}"`);
    }
  }

  close(): void {
    this.client.destroy();
  }

  /** Create both tables if missing and wait until they are ACTIVE. */
  async ensureTables(): Promise<void> {
    await this.createTable(PRICES_TABLE, [
      { AttributeName: 'asset', KeyType: 'HASH' },
      { AttributeName: 'timestamp', KeyType: 'RANGE' },
    ], [
      { AttributeName: 'asset', AttributeType: 'S' },
      { AttributeName: 'timestamp', AttributeType: 'N' },
    ]);
    await this.createTable(FENCE_TABLE, [{ AttributeName: 'scope', KeyType: 'HASH' }], [{ AttributeName: 'scope', AttributeType: 'S' }]);
  }

  private async createTable(
    name: string,
    keySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[],
    attributes: { AttributeName: string; AttributeType: 'S' | 'N' }[],
  ): Promise<void> {
    try {
      await this.client.send(
        new CreateTableCommand({ TableName: name, KeySchema: keySchema, AttributeDefinitions: attributes, BillingMode: 'PAY_PER_REQUEST' }),
      );
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw new Error(`cannot create DynamoDB table ${name}: ${(err as Error).message}`);
    }
    const deadline = Date.now() + TABLE_ACTIVE_WAIT_MS;
    while (Date.now() < deadline) {
      const { Table } = await this.client.send(new DescribeTableCommand({ TableName: name }));
      if (Table?.TableStatus === 'ACTIVE') return;
      await sleep(50);
    }
    throw new Error(`DynamoDB table ${name} not ACTIVE after ${TABLE_ACTIVE_WAIT_MS} ms`);
  }

  /** Raise the fence to `term`; FencedError if a newer term already holds it. */
  async claimFence(term: number): Promise<void> {
    if (!Number.isInteger(term) || term < 1) throw new Error(`history writes need a term >= 1, got ${term}`);
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: FENCE_TABLE,
          Key: { scope: { S: FENCE_SCOPE } },
          UpdateExpression: 'SET #t = :t, updated_at = :now',
          ConditionExpression: 'attribute_not_exists(#t) OR #t <= :t',
          ExpressionAttributeNames: { '#t': 'term' },
          ExpressionAttributeValues: { ':t': { N: String(term) }, ':now': { N: String(Date.now()) } },
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw new FencedError(term);
      throw err;
    }
  }

  async write(points: readonly HistoryPoint[], term: number): Promise<void> {
    if (points.length === 0) return;
    await this.claimFence(term);
    for (let i = 0; i < points.length; i += BATCH_WRITE_ITEMS_MAX) {
      const requests = points.slice(i, i + BATCH_WRITE_ITEMS_MAX).map((p): WriteRequest => ({ PutRequest: { Item: toItem(p, this.writerId) } }));
      await this.batchWrite(requests);
    }
  }

  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > UNPROCESSED_RETRIES_MAX) {
        throw new Error(`BatchWriteItem: ${pending.length} items still unprocessed after ${UNPROCESSED_RETRIES_MAX} retries`);
      }
      if (attempt > 0) await sleep(Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)));
      const result = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [PRICES_TABLE]: pending } }));
      pending = result.UnprocessedItems?.[PRICES_TABLE] ?? [];
    }
  }

  async latest(asset: string): Promise<HistoryPoint | null> {
    const points = await this.range(asset, { fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, limit: 1 });
    return points[0] ?? null;
  }

  async range(asset: string, query: HistoryQuery): Promise<HistoryPoint[]> {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > HISTORY_QUERY_LIMIT_MAX) {
      throw new Error(`history limit must be an integer 1..${HISTORY_QUERY_LIMIT_MAX}, got ${query.limit}`);
    }
    const result = await this.client.send(
      new QueryCommand({
        TableName: PRICES_TABLE,
        KeyConditionExpression: 'asset = :a AND #ts BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#ts': 'timestamp' },
        ExpressionAttributeValues: { ':a': { S: asset }, ':from': { N: String(query.fromMs) }, ':to': { N: String(query.toMs) } },
        ScanIndexForward: false,
        Limit: query.limit,
      }),
    );
    return (result.Items ?? []).map(fromItem);
  }
}
