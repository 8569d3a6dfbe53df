/** The HTTP view of a price (seed-compatible fields first) and its JSON schemas. */
import type { TierName } from '../catalog/symbols.js';
import type { AggregatedPrice } from './price-types.js';

export interface PriceView {
  asset: string;
  price: number;
  /** `YYYY-MM-DD HH:MM:SS` UTC of the quote time. */
  last_updated: string;
  /** e.g. `5s ago`. */
  time_ago: string;
  refresh_tier: TierName;
  timestamp: number;
  age_ms: number;
  stale: boolean;
  sources: string[];
  excluded: { exchange: string; reason: string; detail: string }[];
  confidence: number;
  updated_at: number;
  term: number;
}

export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export function formatTimeAgo(ageMs: number): string {
  const s = Math.max(0, Math.floor(ageMs / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** `stale` when the pipeline marked it so or it is older than the tier's Redis TTL. */
export function priceView(price: AggregatedPrice, tier: TierName, ttlSeconds: number, nowMs: number): PriceView {
  const ageMs = Math.max(0, nowMs - price.timestamp);
  return {
    asset: price.asset,
    price: price.price,
    last_updated: formatUtc(price.timestamp),
    time_ago: formatTimeAgo(ageMs),
    refresh_tier: tier,
    timestamp: price.timestamp,
    age_ms: ageMs,
    stale: price.stale || ageMs > ttlSeconds * 1000,
    sources: price.sources,
    excluded: price.excluded,
    confidence: price.confidence,
    updated_at: price.updatedAt,
    term: price.term,
  };
}

const excludedSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['exchange', 'reason'],
    properties: { exchange: { type: 'string' }, reason: { type: 'string' }, detail: { type: 'string' } },
  },
} as const;

export const priceFieldsSchema = {
  asset: { type: 'string' },
  price: { type: 'number' },
  last_updated: { type: 'string', description: 'YYYY-MM-DD HH:MM:SS UTC' },
  time_ago: { type: 'string', description: 'e.g. "5s ago"' },
  refresh_tier: { type: 'string', enum: ['hot', 'medium', 'cold'] },
  timestamp: { type: 'integer', description: 'quote time, ms since the epoch' },
  age_ms: { type: 'integer' },
  stale: { type: 'boolean' },
  sources: { type: 'array', items: { type: 'string' }, description: 'exchanges used' },
  excluded: excludedSchema,
  confidence: { type: 'number', description: 'volume-weighted relative spread of the kept quotes (0 = agree)' },
  updated_at: { type: 'integer', description: 'when aggregated, ms since the epoch' },
  term: { type: 'integer', description: 'Raft term of the leader that computed it' },
} as const;

const priceRequired = ['asset', 'price', 'last_updated', 'time_ago', 'refresh_tier', 'timestamp', 'age_ms', 'stale', 'sources', 'confidence'];

export const priceResponseSchema = { type: 'object', required: priceRequired, properties: priceFieldsSchema } as const;

export const refreshResponseSchema = {
  type: 'object',
  required: ['message', ...priceRequired],
  properties: { message: { type: 'string' }, ...priceFieldsSchema },
} as const;

export const historyResponseSchema = {
  type: 'object',
  required: ['asset', 'points'],
  properties: {
    asset: { type: 'string' },
    points: {
      type: 'array',
      items: {
        type: 'object',
        required: ['timestamp', 'price'],
        properties: {
          timestamp: { type: 'integer' },
          price: { type: 'number' },
          updated_at: { type: 'integer' },
          sources: { type: 'array', items: { type: 'string' } },
          excluded: excludedSchema,
          confidence: { type: 'number' },
          term: { type: 'integer' },
        },
      },
    },
  },
} as const;

export const errorResponseSchema = {
  type: 'object',
  required: ['error', 'msg'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'integer' }, message: { type: 'string' } },
    },
    msg: { type: 'string' },
  },
} as const;
