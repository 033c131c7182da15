import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { DEFAULT_REDIS_PREFIX, redisLedgerKeys } from './redis-ledger-keys.js';

/**
 * Where a ledger's signed checkpoints are kept: beside the ledger (a file, a Redis list). They need no secrecy; what
 * protects them is the signature, whose private key is never stored with the ledger.
 */
export interface CheckpointStore {
  /** Where the checkpoints live, for messages. */
  readonly location: string;
  /** Appends one checkpoint JWS; resolves once it is durable. */
  append(jws: string): Promise<void>;
  /** Every checkpoint JWS in the order written. */
  readAll(): Promise<string[]>;
}

/** File name of the embedded ledger's checkpoints inside the data dir. */
export const CHECKPOINT_FILE = 'ledger.checkpoints.jsonl';

/** The embedded ledger's checkpoints: one JWS per line in `<dataDir>/ledger.checkpoints.jsonl` (mode 0600). */
export function fileCheckpointStore(dataDir: string): CheckpointStore {
  const path = join(dataDir, CHECKPOINT_FILE);
  return {
    location: path,
    append: (jws) => appendFile(path, `${jws}\n`, { mode: 0o600, flush: true }),
    async readAll() {
      const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      });
      return text.split('\n').filter((line) => line.length > 0);
    },
  };
}

/** The Redis ledger's checkpoints: a list beside the entries (same `{ledger}` hash tag). */
export function redisCheckpointStore(redis: Redis, prefix: string = DEFAULT_REDIS_PREFIX): CheckpointStore {
  const key = redisLedgerKeys(prefix).checkpoints;
  return {
    location: `redis key ${key}`,
    append: async (jws) => void (await redis.rpush(key, jws)),
    readAll: () => redis.lrange(key, 0, -1),
  };
}
