import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisRecordSource, RedisLedgerStore, verifyLedger } from '../../../src/ledger/index.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';
import { runNode } from './run-cli.js';

const PROCESSES = 4;
const EACH = 2000;

describe('Redis ledger shared by several processes', () => {
  it(`keeps a valid chain without gaps when ${PROCESSES} processes append ${EACH} entries each at once`, async () => {
    const prefix = uniquePrefix('ledger-processes');
    const outcomes = await Promise.all(
      Array.from({ length: PROCESSES }, (_, worker) =>
        runNode([
          '--conditions=featgate-source',
          '--import',
          'tsx',
          'test/integration/ledger/append-worker.ts',
          testRedisUrl(),
          prefix,
          String(worker),
          String(EACH),
        ]),
      ),
    );
    for (const outcome of outcomes) expect(outcome).toMatchObject({ code: 0, stderr: '' });

    const client = new Redis(testRedisUrl());
    try {
      expect(await verifyLedger(redisRecordSource(client, prefix))).toMatchObject({
        ok: true,
        entries: PROCESSES * EACH,
      });
      const store = new RedisLedgerStore({ redis: client, prefix });
      const entries = await store.readAfter(0);
      expect(entries.map((entry) => entry.seq)).toEqual(
        Array.from({ length: PROCESSES * EACH }, (_, index) => index + 1),
      );
      const written = new Set(entries.map((entry) => `${String(entry.data.worker)}:${String(entry.data.index)}`));
      expect(written.size).toBe(PROCESSES * EACH);
      await store.close();
    } finally {
      await client.quit();
    }
  }, 120_000);
});
