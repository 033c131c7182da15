import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { readSecretFileIfPresent } from '../secret-file/index.js';
import type { GeneratedSecretStore } from './generated-secret-store.js';

/** Where the Redis secret store keeps its keys, and where a secret generated before it may already exist. */
export interface RedisSecretStoreOptions {
  readonly redis: Redis;
  /** Prefix of every key the service writes; secrets live at `<prefix>generated-secret:<name>`. */
  readonly prefix: string;
  /**
   * Data folder of an installation that generated its secrets there before it shared them through Redis: a file
   * found there seeds Redis (when Redis has none yet), so an upgrade keeps its signing and redaction keys.
   */
  readonly seedDir?: string;
}

/**
 * Keeps generated secrets in Redis, so every `serve` process on one Redis signs manifests and keys redaction hashes
 * alike whatever its data folder. The first process to store a secret wins (`SET NX`); every process then reads
 * the stored text. Anyone who can read the Redis keys can read these secrets: configure the keys explicitly
 * (`FEATGATE_SIGNING_KEY`, `FEATGATE_REDACTION_KEY`) where Redis is not trusted that far.
 */
export function redisSecretStore(options: RedisSecretStoreOptions): GeneratedSecretStore {
  const keyOf = (name: string) => `${options.prefix}generated-secret:${name}`;
  return {
    async readOrCreate(name, create) {
      const key = keyOf(name);
      const stored = await options.redis.get(key);
      if (stored !== null) return stored;
      const candidate =
        (options.seedDir ? await readSecretFileIfPresent(join(options.seedDir, name)) : undefined) ?? (await create());
      await options.redis.set(key, candidate, 'NX');
      return (await options.redis.get(key)) ?? candidate;
    },
    locationOf: (name) => `Redis key ${keyOf(name)}`,
  };
}
