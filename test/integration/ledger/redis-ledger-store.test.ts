import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntegrityError } from '../../../src/errors/index.js';
import { GENESIS_HASH, RedisLedgerStore, createLedgerStore, redisLedgerKeys } from '../../../src/ledger/index.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';
import { describeLedgerStoreContract, sampleAppend } from './ledger-store-contract.js';

describeLedgerStoreContract('RedisLedgerStore', () => {
  const prefix = uniquePrefix('ledger-contract');
  return { open: async () => new RedisLedgerStore({ redis: testRedisUrl(), prefix }) };
});

describe('RedisLedgerStore with several writers', () => {
  let client: Redis;

  beforeAll(() => {
    client = new Redis(testRedisUrl());
  });

  afterAll(async () => {
    await client.quit();
  });

  it('keeps one chain when several stores with stale cached heads append at once', async () => {
    const prefix = uniquePrefix('ledger-writers');
    const writers = [0, 1, 2, 3].map(() => new RedisLedgerStore({ redis: testRedisUrl(), prefix }));
    try {
      await Promise.all(
        writers.map(async (writer, w) => {
          for (let index = 0; index < 50; index += 1) await writer.append(sampleAppend(w * 1000 + index));
        }),
      );
      const verification = await writers[0]!.verify();
      expect(verification).toMatchObject({ ok: true, entries: 200 });
      const entries = await writers[1]!.readAfter(0);
      expect(new Set(entries.map((entry) => entry.data.index)).size).toBe(200);
    } finally {
      await Promise.all(writers.map((writer) => writer.close()));
    }
  });

  it('shares a client it was given, keeps its keys under the prefix, and leaves the client open', async () => {
    const prefix = uniquePrefix('ledger-client');
    const store = await createLedgerStore({ redis: client, prefix, dataDir: '/nonexistent' });
    const entry = await store.append(sampleAppend(1));
    await store.close();
    const keys = redisLedgerKeys(prefix);
    expect((await client.keys(`${prefix}*`)).sort()).toEqual([keys.entries, keys.head].sort());
    expect(await client.get(keys.head)).toBe(`1:${entry.hash}`);
    expect(entry.prevHash).toBe(GENESIS_HASH);
  });

  it('checks an entry it appended itself in full once its stored text was changed', async () => {
    const prefix = uniquePrefix('ledger-own-tampered');
    const store = new RedisLedgerStore({ redis: testRedisUrl(), prefix });
    try {
      await store.append(sampleAppend(1));
      await store.append(sampleAppend(2));
      const keys = redisLedgerKeys(prefix);
      const stored = JSON.parse((await client.lindex(keys.entries, 1))!) as { data: { verdict: string } };
      stored.data.verdict = 'approve-everything';
      await client.lset(keys.entries, 1, JSON.stringify(stored));
      await expect(store.readAfter(0)).rejects.toBeInstanceOf(IntegrityError);
      await expect(store.readSeqs([2])).rejects.toThrow(/seq 2 is damaged \(hash mismatch\)/);
    } finally {
      await store.close();
    }
  });
});
