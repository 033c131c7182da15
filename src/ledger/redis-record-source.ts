import type { Redis } from 'ioredis';
import type { LedgerRecord, LedgerRecordSource } from './ledger-record-source.js';
import type { LedgerHead } from './ledger-store.js';
import { decodeRedisHead } from './redis-head-codec.js';
import { redisLedgerKeys } from './redis-ledger-keys.js';

const PAGE = 1000;

/** Reads the Redis ledger under `prefix` page by page, for verification while writers keep appending. */
export function redisRecordSource(redis: Redis, prefix?: string): LedgerRecordSource {
  const keys = redisLedgerKeys(prefix);
  return {
    location: `redis key ${keys.entries}`,
    readAnchor: async (): Promise<LedgerHead | undefined> => decodeRedisHead(await redis.get(keys.head)),
    records: () => pages(0),
    recordsFrom: (seq) => pages(seq - 1),
  };

  async function* pages(first: number): AsyncGenerator<LedgerRecord> {
    for (let start = first; ; start += PAGE) {
      const page = await redis.lrange(keys.entries, start, start + PAGE - 1);
      for (const text of page) yield { text, complete: true };
      if (page.length < PAGE) return;
    }
  }
}
