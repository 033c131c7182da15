import { appendFile, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { DEFAULT_REDIS_PREFIX, redisLedgerKeys } from './redis-ledger-keys.js';

/** Checkpoints read from a position on, and the position just after the last one read. */
export interface CheckpointTail {
  readonly checkpoints: string[];
  readonly end: number;
}

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
  /**
   * The position after the last checkpoint written now (a byte offset in the file, a list index in Redis), so a
   * later `readFrom` reads only what was written since: verification from a snapshot never reads every checkpoint.
   */
  end(): Promise<number>;
  /** The checkpoints written at or after `position` (one `end()` returned), in order. */
  readFrom(position: number): Promise<CheckpointTail>;
}

/** File name of the embedded ledger's checkpoints inside the data dir. */
export const CHECKPOINT_FILE = 'ledger.checkpoints.jsonl';

const NEWLINE = 0x0a;

/** The embedded ledger's checkpoints: one JWS per line in `<dataDir>/ledger.checkpoints.jsonl` (mode 0600). */
export function fileCheckpointStore(dataDir: string): CheckpointStore {
  const path = join(dataDir, CHECKPOINT_FILE);
  const missingIs =
    <T>(value: T) =>
    (error: NodeJS.ErrnoException): T => {
      if (error.code === 'ENOENT') return value;
      throw error;
    };
  return {
    location: path,
    append: (jws) => appendFile(path, `${jws}\n`, { mode: 0o600, flush: true }),
    async readAll() {
      const text = await readFile(path, 'utf8').catch(missingIs(''));
      return text.split('\n').filter((line) => line.length > 0);
    },
    end: async () => (await stat(path).catch(missingIs(undefined)))?.size ?? 0,
    async readFrom(position) {
      const handle = await open(path, 'r').catch(missingIs(undefined));
      if (!handle) return { checkpoints: [], end: 0 };
      try {
        const size = (await handle.stat()).size;
        if (position > size) return { checkpoints: [], end: position };
        const buffer = Buffer.allocUnsafe(size - position);
        let filled = 0;
        while (filled < buffer.length) {
          const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        // only whole lines: a checkpoint being appended right now is read next time
        const complete = buffer.subarray(0, filled).lastIndexOf(NEWLINE) + 1;
        const text = buffer.subarray(0, complete).toString('utf8');
        return { checkpoints: text.split('\n').filter((line) => line.length > 0), end: position + complete };
      } finally {
        await handle.close();
      }
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
    end: () => redis.llen(key),
    async readFrom(position) {
      const checkpoints = await redis.lrange(key, position, -1);
      return { checkpoints, end: position + checkpoints.length };
    },
  };
}
