import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityMapping, type Principal } from '../../../src/identity/index.js';
import { ActorKind } from '../../../src/ledger/index.js';
import { PrincipalRateLimiter, RateLimitedError, RequestBudget } from '../../../src/server/index.js';
import { hasRedisServerBinary, startPrivateRedis, type PrivateRedis } from '../../support/private-redis.js';

const LIMITS = { windowSeconds: 60, writes: 3, serviceWrites: 6, reads: 0 };
const person = (id: string, kind = ActorKind.User): Principal =>
  ({ id, kind, roles: [], permissions: new Set() }) as unknown as Principal;

async function taken(
  limiter: PrincipalRateLimiter,
  principal: Principal,
  method: string,
  times: number,
): Promise<number> {
  let accepted = 0;
  for (let index = 0; index < times; index += 1) {
    try {
      await limiter.take(principal, method);
      accepted += 1;
    } catch (error) {
      expect(error).toBeInstanceOf(RateLimitedError);
    }
  }
  return accepted;
}

describe('principal rate limiter', () => {
  it('picks the budget by method and identity kind', () => {
    expect(PrincipalRateLimiter.budgetOf({ kind: ActorKind.User }, 'GET')).toBe(RequestBudget.Read);
    expect(PrincipalRateLimiter.budgetOf({ kind: ActorKind.User }, 'POST')).toBe(RequestBudget.Write);
    expect(PrincipalRateLimiter.budgetOf({ kind: ActorKind.Service }, 'PUT')).toBe(RequestBudget.ServiceWrite);
  });

  it('in memory: one budget per person (aliases share it), reads unlimited at 0', async () => {
    const people = IdentityMapping.fromConfig([{ id: 'flo', tokens: ['flo-ci', 'flo-laptop'] }]);
    const limiter = new PrincipalRateLimiter(LIMITS, { prefix: 'memory:' }, people);
    expect(await taken(limiter, person('flo-ci'), 'POST', 2)).toBe(2);
    expect(await taken(limiter, person('FLO-LAPTOP'), 'POST', 3)).toBe(1);
    expect(await taken(limiter, person('gus'), 'POST', 4)).toBe(3);
    expect(await taken(limiter, person('flo-ci'), 'GET', 50)).toBe(50);
    expect(await taken(limiter, person('ci', ActorKind.Service), 'POST', 8)).toBe(6);
  });
});

describe.skipIf(!hasRedisServerBinary())('principal rate limiter in Redis mode', () => {
  let redis: PrivateRedis;
  const clients: Redis[] = [];
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await redis?.stop();
  });

  it('shares one budget between processes through Redis', async () => {
    const open = () => {
      const client = new Redis(redis.url, { maxRetriesPerRequest: 3 });
      clients.push(client);
      return new PrincipalRateLimiter(LIMITS, { redis: client, prefix: 'shared:' });
    };
    const first = open();
    const second = open();
    expect(await taken(first, person('flo'), 'POST', 2)).toBe(2);
    expect(await taken(second, person('flo'), 'POST', 3)).toBe(1);
    expect(await taken(first, person('flo'), 'POST', 1)).toBe(0);
    const keys = await clients[0]!.keys('shared:ratelimit:*');
    expect(keys.length).toBeGreaterThan(0);
  });
});
