import type { Redis } from 'ioredis';
import { IntegrityError } from '../errors/index.js';
import { silentLogger, type Logger } from '../logging/index.js';
import { fileCheckpointStore, redisCheckpointStore } from './checkpoint-store.js';
import { CheckpointedLedgerStore } from './checkpointed-ledger-store.js';
import { JsonlLedgerStore } from './jsonl-ledger-store.js';
import { RedisLedgerStore } from './redis-ledger-store.js';
import { formatLedgerVerification } from './format-verification.js';
import { jsonlRecordSource } from './jsonl-record-source.js';
import { batchSigner, signCheckpoint, type LedgerSigningKey } from './ledger-checkpoint.js';
import { redisRecordSource } from './redis-record-source.js';
import { verifyLedger } from './verify-ledger.js';
import type { LedgerBase } from './ledger-base.js';
import type { LedgerVerification } from './ledger-verification.js';

/** Where the ledger lives and the key its checkpoints are signed with. */
export interface OpenCheckpointedLedgerOptions {
  /** The Redis client of a Redis deployment (the caller keeps owning it); else the embedded file under `dataDir`. */
  readonly redis?: Redis;
  readonly dataDir: string;
  readonly prefix?: string;
  /** The ledger signing key: configured (or a key file), never read from the store that keeps the ledger. */
  readonly key: LedgerSigningKey;
  readonly logger?: Logger;
  /**
   * A signed base to verify from (a projection snapshot's seal, checked by `verifyLedgerBase`): only its entry, the
   * chain after it and the checkpoints written since are verified, so the start costs the tail, not the ledger. When
   * the ledger does not hold the base (another chain, rewritten) or the tail fails, a warning is logged and the whole
   * ledger is verified from genesis; `ledger.startedFrom` says whether the base was used.
   */
  readonly base?: LedgerBase;
}

/**
 * Opens the ledger with signed checkpoints and verifies it before anything reads it: a service must never act on a
 * forged approval, so a ledger that contradicts its checkpoints fails the start with IntegrityError. A ledger kept
 * before checkpoints existed (entries, no checkpoint at all) is adopted once: its chain is verified and one checkpoint
 * covering it is signed, with a warning (trust on first use of the key).
 */
export async function openCheckpointedLedger(options: OpenCheckpointedLedgerOptions): Promise<CheckpointedLedgerStore> {
  const logger = options.logger ?? silentLogger;
  // Redis: each batch and its checkpoint land in one script call; the file store writes the checkpoint right after
  const store = options.redis
    ? new RedisLedgerStore({
        redis: options.redis,
        prefix: options.prefix,
        logger,
        signBatch: batchSigner(options.key),
      })
    : await JsonlLedgerStore.open({ dataDir: options.dataDir, logger });
  const source = options.redis ? redisRecordSource(options.redis, options.prefix) : jsonlRecordSource(options.dataDir);
  const checkpoints = options.redis
    ? redisCheckpointStore(options.redis, options.prefix)
    : fileCheckpointStore(options.dataDir);
  try {
    const head = await store.head();
    if (head && (await checkpoints.end()) === 0) {
      const chain = await verifyLedger(source);
      if (!chain.ok)
        throw new IntegrityError(
          `the ledger at ${source.location} fails verification: ${formatLedgerVerification(chain)}`,
        );
      await checkpoints.append(
        await signCheckpoint({ from: 1, to: head.seq, hash: head.hash, at: new Date().toISOString() }, options.key),
      );
      logger.warn(
        { seq: head.seq, location: checkpoints.location },
        'ledger had no signed checkpoints: adopted its verified chain with a first checkpoint',
      );
    }
    const ledger = new CheckpointedLedgerStore({
      store,
      source,
      checkpoints,
      key: options.key,
      signedByStore: options.redis !== undefined,
    });
    let verification: LedgerVerification | undefined;
    if (options.base) {
      verification = await ledger.verify(undefined, options.base);
      if (verification.ok) ledger.startedFrom = options.base;
      else {
        logger.warn(
          { seq: options.base.seq, problem: verification.problem },
          'the ledger does not continue the signed snapshot base: verifying from genesis and ignoring the snapshot',
        );
        verification = undefined;
      }
    }
    verification ??= await ledger.verify();
    if (!verification.ok)
      throw new IntegrityError(
        `the ledger at ${source.location} contradicts its signed checkpoints: ${formatLedgerVerification(verification)}`,
      );
    if (verification.entries > 0) {
      const offset = await ledger.locate(verification.entries);
      const at = new Date().toISOString();
      ledger.setVerifiedBase({
        seq: verification.entries,
        hash: verification.head,
        checkpoints: verification.checkpointsEnd ?? 0,
        at,
        ...(offset === undefined ? {} : { offset }),
      });
    }
    return ledger;
  } catch (error) {
    await store.close();
    throw error;
  }
}
