import { describe, expect, it } from 'vitest';
import { RaftError, RaftDriverErrorCode } from '../raft/index.js';
import { assert, AssertionFailure, BazaarError, BazaarErrorCode, describeError, httpStatusOf } from './errors.js';

describe('errors', () => {
  it('maps every bazaar code to one status', () => {
    expect(httpStatusOf(BazaarErrorCode.InsufficientQuantity)).toBe(409);
    expect(httpStatusOf(BazaarErrorCode.IdempotencyKeyConflict)).toBe(422);
    expect(describeError(new BazaarError(BazaarErrorCode.UnknownStock, 'stock x not found'))).toEqual({
      status: 404,
      code: 'BAZAAR_ERR_UNKNOWN_STOCK',
      message: 'stock x not found',
      retryAfterSeconds: null,
    });
    expect(describeError(new BazaarError(BazaarErrorCode.Unavailable, 'later')).retryAfterSeconds).toBe(1);
  });

  it('maps Raft unavailability to 503 with Retry-After and hides unknown errors', () => {
    for (const code of [RaftDriverErrorCode.NotLeader, RaftDriverErrorCode.NoLeader, RaftDriverErrorCode.Timeout, RaftDriverErrorCode.Stopped]) {
      expect(describeError(new RaftError(code, 'x'))).toMatchObject({ status: 503, code, retryAfterSeconds: 1 });
    }
    expect(describeError(new RaftError(RaftDriverErrorCode.StorageCorrupt, 'disk')).status).toBe(500);
    expect(describeError(new Error('secret detail'))).toEqual({ status: 500, code: 'BAZAAR_ERR_INTERNAL', message: 'internal error', retryAfterSeconds: null });
    expect(describeError('thrown string').status).toBe(500);
  });

  it('assert throws AssertionFailure', () => {
    expect(() => assert(false, 'broken')).toThrow(AssertionFailure);
    expect(() => assert(true, 'fine')).not.toThrow();
  });
});
