import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { InProcessLock, RedisLock, type KeyedLock } from '../../../src/workflow/index.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';

const clients: Redis[] = [];

afterAll(async () => {
  for (const client of clients) await client.quit();
});

async function overlaps(locks: readonly KeyedLock[], names: (index: number) => string[]): Promise<number> {
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 12 }, (_, index) =>
      locks[index % locks.length]!.withLocks(names(index), async () => {
        inside += 1;
        most = Math.max(most, inside);
        await sleep(3);
        inside -= 1;
      }),
    ),
  );
  return most;
}

describe('keyed locks', () => {
  it('never lets two holders of one name in at once, in process', async () => {
    expect(await overlaps([new InProcessLock()], () => ['change:a'])).toBe(1);
  });

  it('never lets two holders of one name in at once across Redis clients', async () => {
    const prefix = uniquePrefix('lock');
    const locks = [0, 1, 2].map(() => {
      const client = new Redis(testRedisUrl());
      clients.push(client);
      return new RedisLock(client, { prefix });
    });
    expect(await overlaps(locks, (index) => (index % 2 ? ['change:a', 'flag:e/x'] : ['flag:e/x', 'change:a']))).toBe(1);
  });

  it('lets holders of different names work at once', async () => {
    expect(await overlaps([new InProcessLock()], (index) => [`change:${index}`])).toBeGreaterThan(1);
  });
});
