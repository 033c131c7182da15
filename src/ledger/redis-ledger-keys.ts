/** Default prefix of every Redis key featgate writes. */
export const DEFAULT_REDIS_PREFIX = 'featgate:';

/** The Redis keys of one ledger. */
export interface RedisLedgerKeys {
  /** A list of entry JSON strings; index i holds seq i + 1. */
  readonly entries: string;
  /** The head anchor `<seq>:<hash>`, changed in the same script call as the list. */
  readonly head: string;
  /** Signed checkpoints, one JWS per batch, pushed in the same script call as the batch when the store signs. */
  readonly checkpoints: string;
  /** The newest projection snapshot (seal and body), so a start folds only the entries after it. */
  readonly snapshot: string;
}

/** Keys of the ledger under `prefix`; the `{ledger}` hash tag keeps both in one Redis Cluster slot. */
export function redisLedgerKeys(prefix: string = DEFAULT_REDIS_PREFIX): RedisLedgerKeys {
  return {
    entries: `${prefix}{ledger}:entries`,
    head: `${prefix}{ledger}:head`,
    checkpoints: `${prefix}{ledger}:checkpoints`,
    snapshot: `${prefix}{ledger}:snapshot`,
  };
}
