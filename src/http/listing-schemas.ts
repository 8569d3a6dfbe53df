/**
 * Schemas of GET /stocks and GET /orders, which answer both the single reads of the seed
 * (`stockname`, `order-number`) and the paginated listings (`prefix`/`after`/`limit`,
 * `after`/`before`/`limit`). Query values are strings (no type coercion): numbers are patterns.
 */
import { SYMBOL_LENGTH_MAX } from '../catalog/symbols.js';
import { LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX } from './listing.js';
import { errorResponseSchema, getOrderSchema, getStockSchema } from './schemas.js';

const countPattern = '^(0|[1-9][0-9]{0,14})$';
const limitSchema = {
  type: 'string',
  pattern: '^[1-9][0-9]{0,3}$',
  description: `page size 1..${LIST_LIMIT_MAX} (default ${LIST_LIMIT_DEFAULT})`,
} as const;
const priceSchema = { type: ['number', 'null'], description: 'Latest aggregated price, null if none yet' } as const;
const errors = { 400: errorResponseSchema, 404: errorResponseSchema, 503: errorResponseSchema };

const stockItem = {
  type: 'object',
  required: ['name', 'price', 'quantity', 'volume'],
  properties: { name: { type: 'string' }, price: priceSchema, quantity: { type: 'integer' }, volume: { type: 'integer' } },
} as const;

const orderItem = {
  type: 'object',
  required: ['number', 'name', 'type', 'quantity', 'price'],
  properties: {
    number: { type: 'integer' },
    name: { type: 'string' },
    type: { type: 'string', enum: ['BUY', 'SELL'] },
    quantity: { type: 'integer' },
    price: priceSchema,
    executed_at: { type: 'integer', description: 'listings only: when the trade was proposed, ms since the epoch' },
  },
} as const;

export const stocksSchema = {
  summary: 'Look up a stock (stockname) or list stocks by name (prefix, after, limit)',
  description:
    `${getStockSchema.description} Without stockname: stocks in name order, those starting with prefix and after \`after\`, ` +
    `at most limit (1..${LIST_LIMIT_MAX}); data is then an array and next is the \`after\` of the next page (null at the end). Linearizable.`,
  tags: ['bazaar'],
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...getStockSchema.querystring.properties,
      prefix: { type: 'string', maxLength: SYMBOL_LENGTH_MAX, pattern: '^[A-Za-z0-9]*$', description: 'listing: name prefix (case-insensitive)' },
      after: { type: 'string', minLength: 1, maxLength: SYMBOL_LENGTH_MAX, pattern: '^[A-Za-z0-9]+$', description: 'listing: names after this one' },
      limit: limitSchema,
    },
  },
  response: {
    200: {
      description: 'The stock (stockname), or a page of stocks',
      type: 'object',
      required: ['data'],
      properties: { data: { anyOf: [{ type: 'array', items: stockItem }, stockItem] }, next: { type: ['string', 'null'] } },
    },
    ...errors,
  },
} as const;

export const ordersSchema = {
  summary: 'Look up an order (order-number) or list orders (newest first; ascending with after)',
  description:
    `Without order-number: at most limit (1..${LIST_LIMIT_MAX}) orders, newest first (below \`before\` if given), or ascending ` +
    'from after+1 with `after`; data is then an array, next is the cursor for the same direction (null at the end) and ' +
    'last_transaction_number the newest order. Linearizable.',
  tags: ['bazaar'],
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...getOrderSchema.querystring.properties,
      after: { type: 'string', pattern: countPattern, description: 'listing: orders after this transaction number, ascending' },
      before: { type: 'string', pattern: countPattern, description: 'listing: orders below this transaction number, newest first' },
      limit: limitSchema,
    },
  },
  response: {
    200: {
      description: 'The order (order-number), or a page of orders',
      type: 'object',
      required: ['data'],
      properties: {
        data: { anyOf: [{ type: 'array', items: orderItem }, orderItem] },
        next: { type: ['integer', 'null'] },
        last_transaction_number: { type: 'integer' },
      },
    },
    ...errors,
  },
} as const;
