import type { FastifyInstance } from 'fastify';
import { parseTradeType, TradeFailureCode } from '../bazaar/model.js';
import { normalizeSymbol } from '../catalog/symbols.js';
import { assert, BazaarError, BazaarErrorCode, describeError } from '../errors.js';
import type { BazaarBackend, ReadConsistency, TradeOutcome } from './backend.js';
import { checkNotMixed, listOrdersHandler, listStocksHandler, type OrdersQuery, type StocksQuery } from './listing-handlers.js';
import { ordersSchema, stocksSchema } from './listing-schemas.js';
import { type HttpMetrics, TradeOutcomeLabel } from './metrics.js';
import {
  clusterSchema,
  healthSchema,
  helloSchema,
  metricsSchema,
  postOrderSchema,
} from './schemas.js';

/** The bazaar and operations routes of DESIGN.md §4. Handlers are thin: validate, call the backend, shape. */

export interface BazaarRoutesOptions {
  readonly backend: BazaarBackend;
  readonly metrics: HttpMetrics;
}

const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function failureError(outcome: Extract<TradeOutcome, { ok: false }>, name: string, quantity: number): BazaarError {
  switch (outcome.code) {
    case TradeFailureCode.Insufficient:
      return new BazaarError(BazaarErrorCode.InsufficientQuantity, `insufficient quantity of ${name} to buy ${quantity}`);
    case TradeFailureCode.UnknownStock:
      return new BazaarError(BazaarErrorCode.UnknownStock, `stock ${name} not found`);
    case TradeFailureCode.KeyConflict:
      return new BazaarError(
        BazaarErrorCode.IdempotencyKeyConflict,
        'Idempotency-Key was already used with a different request body',
      );
  }
}

function outcomeLabel(outcome: TradeOutcome): (typeof TradeOutcomeLabel)[keyof typeof TradeOutcomeLabel] {
  if (outcome.ok) return outcome.replayed ? TradeOutcomeLabel.Replayed : TradeOutcomeLabel.Executed;
  if (outcome.code === TradeFailureCode.Insufficient) return TradeOutcomeLabel.Insufficient;
  if (outcome.code === TradeFailureCode.UnknownStock) return TradeOutcomeLabel.UnknownStock;
  return TradeOutcomeLabel.KeyConflict;
}

export function registerBazaarRoutes(app: FastifyInstance, options: BazaarRoutesOptions): void {
  const { backend, metrics } = options;

  app.get<{ Querystring: { name: string } }>('/hello', { schema: helloSchema }, async (request, reply) =>
    reply.type('text/plain; charset=utf-8').send(`Hello, ${request.query.name}!`),
  );

  app.get<{ Querystring: StocksQuery }>(
    '/stocks',
    { schema: stocksSchema },
    async (request) => {
      const single = request.query.stockname;
      checkNotMixed('stockname', single !== undefined, request.query, ['prefix', 'after', 'limit']);
      if (single === undefined) return listStocksHandler(backend, request.query);
      const name = normalizeSymbol(single);
      const stock = await backend.readStock(name, (request.query.consistency as ReadConsistency | undefined) ?? 'linearizable');
      if (stock === null) throw new BazaarError(BazaarErrorCode.UnknownStock, `stock ${name} not found`);
      return { data: { name: stock.name, price: stock.price, quantity: stock.quantity, volume: stock.volume } };
    },
  );

  app.post<{ Body: { name: string; quantity: number; type: string }; Headers: { 'idempotency-key'?: string } }>(
    '/orders',
    { schema: postOrderSchema },
    async (request) => {
      const type = parseTradeType(request.body.type);
      assert(type !== null, 'schema admits only BUY/SELL');
      const name = normalizeSymbol(request.body.name);
      const trade = { name, type, quantity: request.body.quantity };
      let outcome: TradeOutcome;
      try {
        outcome = await backend.trade(trade, request.headers['idempotency-key'] ?? null);
      } catch (err) {
        metrics.countTrade(describeError(err).status === 503 ? TradeOutcomeLabel.Unavailable : TradeOutcomeLabel.Error);
        throw err;
      }
      metrics.countTrade(outcomeLabel(outcome));
      if (!outcome.ok) throw failureError(outcome, name, trade.quantity);
      return { data: { transaction_number: outcome.transactionNumber } };
    },
  );

  app.get<{ Querystring: OrdersQuery }>('/orders', { schema: ordersSchema }, async (request) => {
    const single = request.query['order-number'];
    checkNotMixed('order-number', single !== undefined, request.query, ['after', 'before', 'limit']);
    if (single === undefined) return listOrdersHandler(backend, request.query);
    const number = Number(single);
    const order = await backend.readOrder(number);
    if (order === null) throw new BazaarError(BazaarErrorCode.OrderNotFound, `order ${number} not found`);
    return { data: { number: order.number, name: order.name, type: order.type, quantity: order.quantity, price: order.price } };
  });

  app.get('/health', { schema: healthSchema }, async (_request, reply) => reply.type('text/plain; charset=utf-8').send('OK'));

  app.get('/metrics', { schema: metricsSchema }, async (_request, reply) =>
    reply.type(PROMETHEUS_CONTENT_TYPE).send(await backend.metricsText()),
  );

  app.get('/cluster', { schema: clusterSchema }, async () => {
    const status = await backend.clusterStatus();
    return {
      node_id: status.nodeId,
      role: status.role,
      term: status.term,
      leader: status.leader,
      commit_index: status.commitIndex,
      applied_index: status.appliedIndex,
      peers: status.peers.map((peer) => ({ id: peer.id, match_index: peer.matchIndex, role: status.learners.includes(peer.id) ? 'learner' : 'voter' })),
      voters: status.voters,
      learners: status.learners,
    };
  });
}
