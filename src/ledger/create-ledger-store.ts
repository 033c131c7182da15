import type { Redis } from 'ioredis';
import type { Logger } from '../logging/index.js';
import { JsonlLedgerStore } from './jsonl-ledger-store.js';
import { RedisLedgerStore } from './redis-ledger-store.js';
import type { VerifiableLedgerStore } from './verifiable-ledger-store.js';

/** Where the ledger lives: Redis when a URL or client is given, else the embedded file under `dataDir`. */
export interface LedgerStoreOptions {
  readonly redisUrl?: string;
  /** An existing client to share (takes precedence over `redisUrl`); the caller keeps owning it. */
  readonly redis?: Redis;
  readonly dataDir: string;
  /** Redis key prefix; default `featgate:`. */
  readonly prefix?: string;
  readonly logger?: Logger;
}

/** Opens the ledger store the deployment mode calls for (Redis when configured, else embedded JSONL). */
export async function createLedgerStore(options: LedgerStoreOptions): Promise<VerifiableLedgerStore> {
  const redis = options.redis ?? options.redisUrl;
  if (redis) return new RedisLedgerStore({ redis, prefix: options.prefix, logger: options.logger });
  return JsonlLedgerStore.open({ dataDir: options.dataDir, logger: options.logger });
}
