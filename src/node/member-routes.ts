import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { BazaarError, BazaarErrorCode } from '../errors.js';

/** One member as the admin API shows it. */
export interface MemberView {
  readonly id: string;
  readonly role: 'voter' | 'learner';
  /** Raft (gRPC) address: from the configuration change that added it, else from PEERS. */
  readonly address: string | null;
  /** Leader only: highest log index known replicated on the member (the leader's own last index for itself). */
  readonly matchIndex: number | null;
}

export interface MembersInfo {
  readonly leader: string | null;
  /** Log index of the latest configuration change (0: none since the snapshot). */
  readonly confIndex: number;
  readonly members: readonly MemberView[];
}

/**
 * Operator routes for membership changes (`npm run cluster -- member ...`), authenticated by the
 * cluster token. Changes run on the leader only, one at a time; each call resolves once the
 * change is committed and applied on this node.
 */
export interface MemberRoutesOptions {
  readonly clusterToken: string;
  readonly members: () => MembersInfo;
  /** Add a new member as a learner reachable at `address` (host:port of its Raft gRPC server). */
  readonly addLearner: (id: string, address: string) => Promise<{ index: number }>;
  readonly promote: (id: string) => Promise<{ index: number }>;
  readonly remove: (id: string) => Promise<{ index: number }>;
  /** Dial member `id` at `address` from this node (e.g. through a fault proxy), whatever its configuration says. */
  readonly dialPeer: (id: string, address: string) => void;
}

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'integer' }, message: { type: 'string' } } } },
} as const;
const tokenHeader = {
  type: 'object',
  required: ['x-cluster-token'],
  properties: { 'x-cluster-token': { type: 'string', minLength: 1, maxLength: 1024 } },
} as const;
const NODE_ID = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,32}$' } as const;
const memberSchema = {
  type: 'object',
  required: ['id', 'role', 'address', 'match_index'],
  properties: {
    id: { type: 'string' },
    role: { type: 'string', enum: ['voter', 'learner'] },
    address: { type: ['string', 'null'] },
    match_index: { type: ['integer', 'null'] },
  },
} as const;
const membersBody = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['leader', 'conf_index', 'members'],
      properties: { leader: { type: ['string', 'null'] }, conf_index: { type: 'integer' }, members: { type: 'array', items: memberSchema } },
    },
  },
} as const;
const changeReply = {
  type: 'object',
  required: ['data'],
  properties: { data: { type: 'object', required: ['index'], properties: { index: { type: 'integer' } } } },
} as const;
const changeErrors = { 400: errorSchema, 401: errorSchema, 409: errorSchema, 503: errorSchema } as const;

const listSchema = {
  tags: ['operations'],
  summary: 'Members of the Raft configuration in effect on this node (needs x-cluster-token)',
  headers: tokenHeader,
  response: { 200: membersBody, 400: errorSchema, 401: errorSchema },
} as const;
const addSchema = {
  tags: ['operations'],
  summary: 'Add a member as a learner, or promote a caught-up learner with role "voter" (leader only; needs x-cluster-token)',
  headers: tokenHeader,
  body: {
    type: 'object',
    required: ['id'],
    additionalProperties: false,
    properties: {
      id: NODE_ID,
      address: { type: 'string', pattern: '^[A-Za-z0-9.-]{1,253}:[0-9]{1,5}$' },
      role: { type: 'string', enum: ['learner', 'voter'] },
    },
  },
  response: { 200: changeReply, ...changeErrors },
} as const;
const removeSchema = {
  tags: ['operations'],
  summary: 'Remove a member (leader only; needs x-cluster-token). Removing the leader hands leadership over once committed',
  headers: tokenHeader,
  params: { type: 'object', required: ['id'], properties: { id: NODE_ID } },
  response: { 200: changeReply, ...changeErrors },
} as const;

const dialSchema = {
  tags: ['operations'],
  summary: 'Dial a member from this node at another Raft address than its configuration carries, e.g. a fault proxy (needs x-cluster-token)',
  headers: tokenHeader,
  params: { type: 'object', required: ['id'], properties: { id: NODE_ID } },
  body: {
    type: 'object',
    required: ['address'],
    additionalProperties: false,
    properties: { address: { type: 'string', pattern: '^[A-Za-z0-9.-]{1,253}:[0-9]{1,5}$' } },
  },
  response: {
    200: {
      type: 'object',
      required: ['data'],
      properties: { data: { type: 'object', required: ['id', 'address'], properties: { id: { type: 'string' }, address: { type: 'string' } } } },
    },
    400: errorSchema,
    401: errorSchema,
  },
} as const;

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function checkToken(given: string, expected: string): void {
  if (!sameSecret(given, expected)) throw new BazaarError(BazaarErrorCode.Unauthorized, 'x-cluster-token does not match');
}

/** Raft's refusals of a change, as API errors: conflicts are 409, "not now" is 503. */
export function memberChangeError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const message = (error as Error).message;
  switch (code) {
    case 'RAFT_ERR_CONF_CHANGE_INVALID':
    case 'RAFT_ERR_LEARNER_NOT_CAUGHT_UP':
      return new BazaarError(BazaarErrorCode.MemberConflict, message, { cause: error, executed: false });
    case 'RAFT_ERR_CONF_CHANGE_IN_PROGRESS':
    case 'RAFT_ERR_LEADER_NOT_READY':
      return new BazaarError(BazaarErrorCode.Unavailable, `${message}: retry shortly`, { cause: error, executed: false });
    default:
      return error;
  }
}

async function change(run: () => Promise<{ index: number }>): Promise<{ data: { index: number } }> {
  try {
    return { data: await run() };
  } catch (error) {
    throw memberChangeError(error);
  }
}

function toWire(m: MemberView): Record<string, unknown> {
  return { id: m.id, role: m.role, address: m.address, match_index: m.matchIndex };
}

export function memberRoutes(options: MemberRoutesOptions): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Headers: { 'x-cluster-token': string } }>('/cluster/members', { schema: listSchema }, async (request) => {
      checkToken(request.headers['x-cluster-token'], options.clusterToken);
      const info = options.members();
      return { data: { leader: info.leader, conf_index: info.confIndex, members: info.members.map(toWire) } };
    });
    app.post<{ Body: { id: string; address?: string; role?: 'learner' | 'voter' }; Headers: { 'x-cluster-token': string } }>(
      '/cluster/members',
      { schema: addSchema },
      async (request) => {
        checkToken(request.headers['x-cluster-token'], options.clusterToken);
        const { id, address, role } = request.body;
        if (role === 'voter') {
          if (address !== undefined) throw new BazaarError(BazaarErrorCode.InvalidRequest, 'promotion takes no address: add the member as a learner first');
          return change(() => options.promote(id));
        }
        if (address === undefined) throw new BazaarError(BazaarErrorCode.InvalidRequest, 'a new member needs "address" (host:port of its Raft gRPC server)');
        return change(() => options.addLearner(id, address));
      },
    );
    app.put<{ Params: { id: string }; Body: { address: string }; Headers: { 'x-cluster-token': string } }>(
      '/cluster/peers/:id',
      { schema: dialSchema },
      async (request) => {
        checkToken(request.headers['x-cluster-token'], options.clusterToken);
        options.dialPeer(request.params.id, request.body.address);
        return { data: { id: request.params.id, address: request.body.address } };
      },
    );
    app.delete<{ Params: { id: string }; Headers: { 'x-cluster-token': string } }>(
      '/cluster/members/:id',
      { schema: removeSchema },
      async (request) => {
        checkToken(request.headers['x-cluster-token'], options.clusterToken);
        return change(() => options.remove(request.params.id));
      },
    );
  };
}
