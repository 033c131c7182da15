import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { DEFAULT_REDIS_PREFIX, redisLedgerKeys } from '../../ledger/redis-ledger-keys.js';

/** A stored projection snapshot: the signed seal (a ledger base naming the body's digest) and the encoded state. */
export interface StoredSnapshot {
  readonly seal: string;
  readonly body: string;
}

/**
 * Where the newest projection snapshot is kept, beside the ledger. It needs no secrecy and no trust: the seal is
 * signed with the ledger key, and a snapshot that fails any check is ignored (the start folds from genesis).
 */
export interface SnapshotStore {
  /** Where it lives, for messages. */
  readonly location: string;
  /** The newest snapshot, or undefined when none was written. */
  read(): Promise<StoredSnapshot | undefined>;
  /** Replaces the snapshot as one step (a reader sees the old one or the new one, never a mix). */
  write(snapshot: StoredSnapshot): Promise<void>;
}

/** File name of the embedded ledger's projection snapshot inside the data dir. */
export const SNAPSHOT_FILE = 'projections.snapshot';

/** The embedded snapshot: `<dataDir>/projections.snapshot` (mode 0600), the seal on its first line, then the body. */
export function fileSnapshotStore(dataDir: string): SnapshotStore {
  const path = join(dataDir, SNAPSHOT_FILE);
  return {
    location: path,
    async read() {
      const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (text === undefined) return undefined;
      const newline = text.indexOf('\n');
      return newline === -1
        ? { seal: text, body: '' }
        : { seal: text.slice(0, newline), body: text.slice(newline + 1) };
    },
    async write(snapshot) {
      const temp = `${path}.${process.pid}.tmp`;
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(`${snapshot.seal}\n${snapshot.body}`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    },
  };
}

/** The Redis snapshot: one hash beside the ledger (same `{ledger}` hash tag), seal and body set in one command. */
export function redisSnapshotStore(redis: Redis, prefix: string = DEFAULT_REDIS_PREFIX): SnapshotStore {
  const key = redisLedgerKeys(prefix).snapshot;
  return {
    location: `redis key ${key}`,
    async read() {
      const [seal, body] = await redis.hmget(key, 'seal', 'body');
      return typeof seal === 'string' && typeof body === 'string' ? { seal, body } : undefined;
    },
    write: async (snapshot) => void (await redis.hset(key, { seal: snapshot.seal, body: snapshot.body })),
  };
}
