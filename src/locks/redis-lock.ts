import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { ConflictError } from '../errors/index.js';
import { InProcessLock, type KeyedLock } from './keyed-lock.js';
import { LockLostError, type LockLease } from './lock-lease.js';

/** Tuning of the Redis lock. */
export interface RedisLockOptions {
  /** Key prefix; lock keys are `<prefix>lock:<name>`. */
  readonly prefix: string;
  /** Expiry of a held lock, renewed while the holder works; a crashed holder frees it after this long. */
  readonly ttlMs?: number;
  /** Longest wait for a lock before the request is answered 409. */
  readonly waitMs?: number;
}

/**
 * Expiry of a held lock. It is renewed every third of this while its holder lives (a renewal is one small Redis
 * call), so only a dead holder's lock lapses, after at most this long: a killed worker's flags are free again as
 * soon as its jobs are taken over (see the job lock duration of the BullMQ queue).
 */
export const DEFAULT_LOCK_TTL_MS = 1_200;

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * A lock shared by every process on one Redis: `SET NX PX` with a random owner token, renewed every third of
 * its TTL while held, released only by its owner (a Lua compare-and-delete). Callers in the same process queue
 * in memory first, so Redis only sees contention between processes.
 */
export class RedisLock implements KeyedLock {
  private readonly local = new InProcessLock();
  private readonly ttlMs: number;
  private readonly waitMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisLockOptions,
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_LOCK_TTL_MS;
    this.waitMs = options.waitMs ?? 15_000;
  }

  withLocks<T>(names: readonly string[], fn: (lease: LockLease) => Promise<T>): Promise<T> {
    const sorted = [...new Set(names)].sort();
    return this.local.withLocks(sorted, async () => {
      const token = randomUUID();
      const held: string[] = [];
      const lost = new AbortController();
      /** Renews every held key; a key no longer ours (0) aborts the lease. A Redis error proves nothing either way. */
      const renew = async (): Promise<void> => {
        for (const key of held) {
          const renewed = await this.redis.eval(RENEW, 1, key, token, String(this.ttlMs));
          if (renewed !== 1 && !lost.signal.aborted)
            lost.abort(new LockLostError(key.slice(`${this.options.prefix}lock:`.length)));
        }
      };
      const renewal = setInterval(() => void renew().catch(() => undefined), Math.max(100, Math.floor(this.ttlMs / 3)));
      renewal.unref();
      const lease: LockLease = {
        signal: lost.signal,
        async assertHeld() {
          if (!lost.signal.aborted) await renew();
          if (lost.signal.aborted) throw lost.signal.reason as LockLostError;
        },
      };
      try {
        for (const name of sorted) {
          const key = `${this.options.prefix}lock:${name}`;
          await this.acquire(key, token, name);
          held.push(key);
        }
        return await fn(lease);
      } finally {
        clearInterval(renewal);
        await Promise.all(held.map((key) => this.redis.eval(RELEASE, 1, key, token).catch(() => undefined)));
      }
    });
  }

  async close(): Promise<void> {}

  private async acquire(key: string, token: string, name: string): Promise<void> {
    const deadline = Date.now() + this.waitMs;
    for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
      if ((await this.redis.set(key, token, 'PX', this.ttlMs, 'NX')) === 'OK') return;
      if (Date.now() >= deadline) throw new ConflictError(`${name} is busy with another request; try again`);
      await sleep(delay + Math.random() * delay);
    }
  }
}
