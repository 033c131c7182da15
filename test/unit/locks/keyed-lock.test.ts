import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { InProcessLock, LockLostError, RedisLock, type KeyedLock } from '../../../src/locks/index.js';
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

describe('a lease on a Redis lock', () => {
  it('stays held while its key is its own, and says so at once when the key is taken from it', async () => {
    const redis = new Redis(testRedisUrl());
    clients.push(redis);
    const prefix = uniquePrefix('lease');
    const lock = new RedisLock(redis, { prefix, ttlMs: 60_000 });
    await lock.withLocks(['flag:a'], async (lease) => {
      await lease.assertHeld();
      expect(lease.signal.aborted).toBe(false);
      await redis.set(`${prefix}lock:flag:a`, 'someone-else');
      await expect(lease.assertHeld()).rejects.toBeInstanceOf(LockLostError);
      expect(lease.signal.aborted).toBe(true);
      expect((lease.signal.reason as LockLostError).lock).toBe('flag:a');
    });
    // The owner's release did not delete the other holder's key.
    expect(await redis.get(`${prefix}lock:flag:a`)).toBe('someone-else');
  });

  it('is aborted by the renewal itself when the key expired under a stalled holder', async () => {
    const redis = new Redis(testRedisUrl());
    clients.push(redis);
    const prefix = uniquePrefix('lease');
    const lock = new RedisLock(redis, { prefix, ttlMs: 300 });
    await lock.withLocks(['flag:b'], async (lease) => {
      await redis.del(`${prefix}lock:flag:b`);
      await new Promise<void>((resolve) => lease.signal.addEventListener('abort', () => resolve(), { once: true }));
      expect(lease.signal.reason).toBeInstanceOf(LockLostError);
    });
  });
});
