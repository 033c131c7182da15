import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors/index.js';
import {
  backoffDelayMs,
  featBitErrorForStatus,
  FeatBitApiError,
  FeatBitBadRequestError,
  FeatBitConflictError,
  FeatBitForbiddenError,
  FeatBitNotFoundError,
  FeatBitRejectedError,
  FeatBitUnauthorizedError,
  FeatBitUnavailableError,
  FeatBitUnprocessableError,
  isTransientFailure,
} from '../../../src/featbit/rest-client/index.js';

describe('retry policy', () => {
  it('retries 5xx, timeouts and refused or reset connections but never 4xx such as 409', () => {
    expect(isTransientFailure(503, undefined)).toBe(true);
    expect(isTransientFailure(0, 'ECONNREFUSED')).toBe(true);
    expect(isTransientFailure(0, 'ECONNRESET')).toBe(true);
    expect(isTransientFailure(0, 'ETIMEDOUT')).toBe(true);
    expect(isTransientFailure(0, 'ENOTFOUND')).toBe(false);
    for (const status of [400, 401, 403, 404, 409, 422]) expect(isTransientFailure(status, undefined)).toBe(false);
  });

  it('draws full-jitter delays below a doubling cap', () => {
    const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 350 };
    expect(backoffDelayMs(policy, 1, () => 0.999)).toBe(99);
    expect(backoffDelayMs(policy, 2, () => 0.999)).toBe(199);
    expect(backoffDelayMs(policy, 3, () => 0.999)).toBe(349);
    expect(backoffDelayMs(policy, 3, () => 0)).toBe(0);
  });
});

describe('typed FeatBit errors', () => {
  const cases = [
    [400, FeatBitBadRequestError, ErrorCode.Validation],
    [401, FeatBitUnauthorizedError, ErrorCode.Unauthorized],
    [403, FeatBitForbiddenError, ErrorCode.Forbidden],
    [404, FeatBitNotFoundError, ErrorCode.NotFound],
    [409, FeatBitConflictError, ErrorCode.Conflict],
    [422, FeatBitUnprocessableError, ErrorCode.Validation],
    [500, FeatBitUnavailableError, ErrorCode.Upstream],
    [0, FeatBitUnavailableError, ErrorCode.Upstream],
    [200, FeatBitRejectedError, ErrorCode.Validation],
  ] as const;

  it.each(cases)('maps HTTP %i to its class and code', (status, type, code) => {
    const error = featBitErrorForStatus({ status, errors: ['Some_message'], request: 'GET /x' });
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(FeatBitApiError);
    expect(error.code).toBe(code);
    expect(error.featBitMessage).toBe('Some_message');
    expect(error.message).toContain('Some_message');
  });
});
