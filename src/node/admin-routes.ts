import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { BazaarError, BazaarErrorCode } from '../errors.js';

/** Operator routes (cluster CLI): leadership transfer, authenticated by the cluster token. */
export interface AdminRoutesOptions {
  readonly clusterToken: string;
  readonly members: readonly string[];
  readonly transfer: (to: string) => Promise<void>;
}

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'integer' }, message: { type: 'string' } } } },
} as const;

const transferSchema = {
  tags: ['operations'],
  summary: 'Hand leadership to another member (needs the x-cluster-token header)',
  headers: { type: 'object', required: ['x-cluster-token'], properties: { 'x-cluster-token': { type: 'string', minLength: 1, maxLength: 1024 } } },
  body: { type: 'object', required: ['to'], additionalProperties: false, properties: { to: { type: 'string', minLength: 1, maxLength: 32 } } },
  response: {
    200: { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' } } },
    400: errorSchema,
    401: errorSchema,
    503: errorSchema,
  },
} as const;

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export function adminRoutes(options: AdminRoutesOptions): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: { to: string }; Headers: { 'x-cluster-token': string } }>(
      '/admin/transfer-leadership',
      { schema: transferSchema },
      async (request) => {
        if (!sameSecret(request.headers['x-cluster-token'], options.clusterToken)) {
          throw new BazaarError(BazaarErrorCode.Unauthorized, 'x-cluster-token does not match');
        }
        if (!options.members.includes(request.body.to)) {
          throw new BazaarError(BazaarErrorCode.InvalidRequest, `"${request.body.to}" is not a member (${options.members.join(', ')})`);
        }
        await options.transfer(request.body.to);
        return { ok: true };
      },
    );
  };
}
