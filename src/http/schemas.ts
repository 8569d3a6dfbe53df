import { IDEMPOTENCY_KEY_LENGTH_MAX, QUANTITY_MAX, QUANTITY_MIN } from '../bazaar/model.js';
import { SYMBOL_LENGTH_MAX } from '../catalog/symbols.js';

/**
 * JSON schemas of the bazaar routes (request and response). They validate requests (Ajv with
 * no type coercion and no removal of extra properties: wrong types and extra fields are 400s)
 * and are the single source of openapi.yaml (openapi.ts). `description` of a pattern-checked
 * field is used in the 400 message ("querystring/stockname must be 1..32 letters or digits").
 */

export const errorResponseSchema = {
  description: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'integer' },
        message: { type: 'string' },
        executed: { type: 'boolean', description: 'false: this write certainly did not execute (safe to retry)' },
      },
    },
    msg: { type: 'string', description: 'Same text as error.message (price routes only)' },
  },
} as const;

export const symbolSchema = {
  type: 'string',
  minLength: 1,
  maxLength: SYMBOL_LENGTH_MAX,
  pattern: '^[A-Za-z0-9]+$',
  description: `1..${SYMBOL_LENGTH_MAX} letters or digits (case-insensitive)`,
} as const;

const priceSchema = { type: ['number', 'null'], description: 'Latest aggregated price, null if none yet' } as const;

const errors = (...codes: number[]): Record<string, typeof errorResponseSchema> =>
  Object.fromEntries(codes.map((code) => [String(code), errorResponseSchema]));

const noQuery = { type: 'object', additionalProperties: false, properties: {} } as const;

export const helloSchema = {
  summary: 'Greeting',
  tags: ['bazaar'],
  querystring: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: { name: { type: 'string', minLength: 1, maxLength: 256 } },
  },
  response: { 200: { type: 'string', description: 'Hello, <name>!' }, ...errors(400) },
} as const;

export const getStockSchema = {
  summary: 'Look up a stock',
  description:
    'Linearizable by default (the leader confirms the read index from its lease or a heartbeat round: RAFT_READ_MODE). consistency=stale reads the local node state without asking the leader: fast, possibly stale.',
  tags: ['bazaar'],
  querystring: {
    type: 'object',
    additionalProperties: false,
    required: ['stockname'],
    properties: {
      stockname: symbolSchema,
      consistency: { type: 'string', enum: ['linearizable', 'stale'], description: 'linearizable (default) or stale' },
    },
  },
  response: {
    200: {
      description: 'The stock',
      type: 'object',
      required: ['data'],
      properties: {
        data: {
          type: 'object',
          required: ['name', 'price', 'quantity', 'volume'],
          properties: {
            name: { type: 'string' },
            price: priceSchema,
            quantity: { type: 'integer' },
            volume: { type: 'integer' },
          },
        },
      },
    },
    ...errors(400, 404, 503),
  },
} as const;

export const postOrderSchema = {
  summary: 'Trade a stock',
  description:
    'BUY succeeds iff quantity is available; SELL always. With Idempotency-Key a retry returns the original response; the same key with another body is a 422.',
  tags: ['bazaar'],
  querystring: noQuery,
  headers: {
    type: 'object',
    properties: {
      'idempotency-key': {
        type: 'string',
        minLength: 1,
        maxLength: IDEMPOTENCY_KEY_LENGTH_MAX,
        pattern: '^[\\x21-\\x7e]([\\x20-\\x7e]*[\\x21-\\x7e])?$',
        description: `1..${IDEMPOTENCY_KEY_LENGTH_MAX} printable ASCII characters`,
      },
    },
  },
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'quantity', 'type'],
    properties: {
      name: symbolSchema,
      quantity: { type: 'integer', minimum: QUANTITY_MIN, maximum: QUANTITY_MAX },
      type: { type: 'string', pattern: '^([Bb][Uu][Yy]|[Ss][Ee][Ll][Ll])$', description: 'BUY or SELL (any case)' },
    },
  },
  response: {
    200: {
      description: 'Executed',
      type: 'object',
      required: ['data'],
      properties: {
        data: { type: 'object', required: ['transaction_number'], properties: { transaction_number: { type: 'integer' } } },
      },
    },
    ...errors(400, 404, 409, 413, 415, 422, 503),
  },
} as const;

export const getOrderSchema = {
  summary: 'Look up an order',
  tags: ['bazaar'],
  querystring: {
    type: 'object',
    additionalProperties: false,
    required: ['order-number'],
    properties: {
      'order-number': { type: 'string', pattern: '^[1-9][0-9]{0,14}$', description: 'a transaction number (1..10^15-1)' },
    },
  },
  response: {
    200: {
      description: 'The order',
      type: 'object',
      required: ['data'],
      properties: {
        data: {
          type: 'object',
          required: ['number', 'name', 'type', 'quantity', 'price'],
          properties: {
            number: { type: 'integer' },
            name: { type: 'string' },
            type: { type: 'string', enum: ['BUY', 'SELL'] },
            quantity: { type: 'integer' },
            price: priceSchema,
          },
        },
      },
    },
    ...errors(400, 404, 503),
  },
} as const;

export const healthSchema = {
  summary: 'Liveness',
  tags: ['operations'],
  querystring: noQuery,
  response: { 200: { type: 'string', description: 'OK' } },
} as const;

export const metricsSchema = {
  summary: 'Prometheus metrics',
  tags: ['operations'],
  querystring: noQuery,
  response: { 200: { type: 'string', description: 'Prometheus text exposition' } },
} as const;

export const clusterSchema = {
  summary: 'Raft status of this node',
  tags: ['operations'],
  querystring: noQuery,
  response: {
    200: {
      description: 'Cluster status',
      type: 'object',
      required: ['node_id', 'role', 'term', 'leader', 'commit_index', 'applied_index', 'peers', 'voters', 'learners'],
      properties: {
        node_id: { type: 'string' },
        role: { type: 'string' },
        term: { type: 'integer' },
        leader: { type: ['string', 'null'] },
        commit_index: { type: 'integer' },
        applied_index: { type: 'integer' },
        peers: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'match_index', 'role'],
            properties: { id: { type: 'string' }, match_index: { type: ['integer', 'null'] }, role: { type: 'string', enum: ['voter', 'learner'] } },
          },
        },
        voters: { type: 'array', items: { type: 'string' }, description: 'Voting members of the configuration in effect on this node' },
        learners: { type: 'array', items: { type: 'string' }, description: 'Non-voting members (catching up before promotion)' },
      },
    },
    ...errors(503),
  },
} as const;
