/**
 * GET /prices/stream: Server-Sent Events from the node's PriceStreamHub. The route validates
 * (assets known, stream slots left) before it takes over the socket, so a refused stream gets
 * the contract's JSON error; after that the response is the event stream until either side
 * closes. The socket's idle timeout is lifted for the stream: keep-alive comments every
 * `keepAliveMs` show liveness instead.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { TierName } from '../catalog/symbols.js';
import { BazaarError, BazaarErrorCode } from '../errors.js';
import { parseAssets } from './asset-list.js';
import { streamSchema } from './market-schemas.js';
import { StreamDropReason, TooManyStreamsError, type PriceStreamHub, type StreamSink } from './price-stream-hub.js';

export interface PriceStreamRouteOptions {
  readonly hub: PriceStreamHub;
  readonly tierMap: ReadonlyMap<string, TierName>;
  readonly keepAliveMs: number;
}

function responseSink(res: ServerResponse): StreamSink {
  return {
    write: (text) => {
      if (!res.destroyed && !res.writableEnded) res.write(text);
    },
    pendingBytes: () => res.writableLength,
    close: (reason) => {
      if (reason === StreamDropReason.Slow) res.destroy();
      else res.end();
    },
  };
}

export function registerPriceStreamRoute(app: FastifyInstance, options: PriceStreamRouteOptions): void {
  const { hub } = options;
  const timer = setInterval(() => hub.keepAlive(), options.keepAliveMs);
  timer.unref();
  // preClose, not onClose: the server's close waits for open responses, and a stream never ends by itself.
  app.addHook('preClose', async () => {
    clearInterval(timer);
    hub.closeAll();
  });

  app.get<{ Querystring: { assets?: string }; Headers: { 'last-event-id'?: string } }>(
    '/prices/stream',
    { schema: streamSchema },
    async (request, reply) => {
      let assets: Set<string> | null = null;
      if (request.query.assets !== undefined) {
        const asked = parseAssets(request.query.assets);
        const unknown = asked.filter((a) => !options.tierMap.has(a));
        if (unknown.length > 0) throw new BazaarError(BazaarErrorCode.InvalidRequest, `unknown assets: ${unknown.join(', ')}`);
        assets = new Set(asked);
      }
      if (hub.streamCount >= hub.streamsMax) throw new BazaarError(BazaarErrorCode.Unavailable, new TooManyStreamsError(hub.streamsMax).message);
      const res = reply.raw;
      reply.hijack();
      request.raw.socket.setTimeout(0);
      request.raw.socket.setNoDelay(true);
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      const subscription = hub.subscribe(assets, request.headers['last-event-id'] ?? null, responseSink(res));
      res.on('close', () => subscription.close());
      res.on('error', () => subscription.close()); // a reset socket: the client is gone, nothing to report
    },
  );
}
