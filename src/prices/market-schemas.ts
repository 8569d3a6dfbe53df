/** JSON schemas of the market-data routes (feed the generated openapi.yaml). */
import { CANDLE_POINTS_MAX, CANDLES_LIMIT_MAX, CANDLES_LIMIT_DEFAULT } from './market-limits.js';
import { errorResponseSchema, priceResponseSchema } from './price-view.js';

export const ASSETS_PER_REQUEST_MAX = 100;
const ASSETS_PARAM_LENGTH_MAX = ASSETS_PER_REQUEST_MAX * 33;

/** Query values are strings (no type coercion): numbers are patterns. */
const MS_PATTERN = '^(0|[1-9][0-9]{0,14})$';

const errorResponses = { 400: errorResponseSchema, 503: errorResponseSchema };

const assetsParam = {
  type: 'string',
  minLength: 1,
  maxLength: ASSETS_PARAM_LENGTH_MAX,
  description: `comma-separated asset symbols, 1..${ASSETS_PER_REQUEST_MAX} (case-insensitive)`,
} as const;

export const pricesListSchema = {
  tags: ['market-data'],
  summary: 'Latest aggregate of several assets; unknown assets are listed, not fatal',
  querystring: { type: 'object', required: ['assets'], properties: { assets: assetsParam }, additionalProperties: false },
  response: {
    200: {
      type: 'object',
      required: ['prices', 'unknown', 'missing'],
      properties: {
        prices: { type: 'array', items: priceResponseSchema },
        unknown: { type: 'array', items: { type: 'string' }, description: 'asked-for symbols that are not in the catalog' },
        missing: { type: 'array', items: { type: 'string' }, description: 'known assets with no price yet' },
      },
    },
    ...errorResponses,
  },
} as const;

const candleSchema = {
  type: 'object',
  required: ['start', 'open', 'high', 'low', 'close', 'points', 'first_timestamp', 'last_timestamp'],
  properties: {
    start: { type: 'integer', description: 'interval start, ms since the epoch (UTC-aligned)' },
    open: { type: 'number' },
    high: { type: 'number' },
    low: { type: 'number' },
    close: { type: 'number' },
    points: { type: 'integer', description: 'history points in the interval' },
    first_timestamp: { type: 'integer' },
    last_timestamp: { type: 'integer' },
  },
} as const;

export const candlesSchema = {
  tags: ['market-data'],
  summary: 'OHLC candles from the price history; intervals without points are omitted',
  description:
    `Candles ascending by start, the newest \`limit\` of [from, to]. At most ${CANDLE_POINTS_MAX} history points are read ` +
    'per answer; when that bound cuts the range, `truncated` is true and only complete candles are returned.',
  params: { type: 'object', required: ['asset'], properties: { asset: { type: 'string', minLength: 1, maxLength: 64 } } },
  querystring: {
    type: 'object',
    properties: {
      interval: { type: 'string', enum: ['1m', '5m', '1h'], description: 'candle width (default 1m)' },
      from: { type: 'string', pattern: MS_PATTERN, description: 'ms since the epoch, inclusive (default: to - limit x interval)' },
      to: { type: 'string', pattern: MS_PATTERN, description: 'ms since the epoch, inclusive (default: now)' },
      limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$', description: `candles at most, 1..${CANDLES_LIMIT_MAX} (default ${CANDLES_LIMIT_DEFAULT})` },
    },
    additionalProperties: false,
  },
  response: {
    200: {
      type: 'object',
      required: ['asset', 'interval', 'from', 'to', 'candles', 'truncated', 'empty_intervals'],
      properties: {
        asset: { type: 'string' },
        interval: { type: 'string' },
        from: { type: 'integer' },
        to: { type: 'integer' },
        candles: { type: 'array', items: candleSchema },
        truncated: { type: 'boolean', description: 'the point bound cut the range: older candles were left out' },
        empty_intervals: { type: 'string', enum: ['omitted'] },
      },
    },
    ...errorResponses,
  },
} as const;

export const streamSchema = {
  tags: ['market-data'],
  summary: 'Server-Sent Events: every aggregate the leader publishes for the assets (every node)',
  description:
    'text/event-stream. `event: price` with `id: <epoch>-<n>` and JSON data; comments (`: keep-alive`) keep idle ' +
    'connections open. Send `Last-Event-ID` to resume: missed events in the node window are replayed, else ' +
    '`event: reset` says to reload GET /prices?assets=. A client whose unsent backlog exceeds the per-client bound is ' +
    'disconnected; at most a bounded number of streams per node (503 beyond; see bazaar_price_streams).',
  querystring: {
    type: 'object',
    properties: { assets: { ...assetsParam, description: `${assetsParam.description}; absent: every asset` } },
    additionalProperties: false,
  },
  headers: {
    type: 'object',
    properties: { 'last-event-id': { type: 'string', maxLength: 64, description: 'resume after this event id' } },
  },
  response: {
    200: { type: 'string', description: 'text/event-stream' },
    ...errorResponses,
  },
} as const;
