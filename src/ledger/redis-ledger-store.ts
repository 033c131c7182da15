import { Redis } from 'ioredis';
import { ConflictError } from '../errors/index.js';
import { silentLogger, type Logger } from '../logging/index.js';
import { buildEntries, serializeEntry } from './build-entry.js';
import type { LedgerAppend, LedgerEntry } from './ledger-entry.js';
import type { LedgerHead } from './ledger-store.js';
import type { LedgerVerification } from './ledger-verification.js';
import { checkReadAfterArguments, checkReadSeqsArguments } from './read-after-arguments.js';
import { QueuedLedgerStore, type WrittenBatch } from './queued-ledger-store.js';
import { runAppendScript } from './redis-append-script.js';
import { decodeRedisHead, encodeRedisHead } from './redis-head-codec.js';
import { DEFAULT_REDIS_PREFIX, redisLedgerKeys, type RedisLedgerKeys } from './redis-ledger-keys.js';
import { redisRecordSource } from './redis-record-source.js';
import { verifyLedger } from './verify-ledger.js';

/** Options of the Redis store. */
export interface RedisLedgerOptions {
  /** A Redis URL (the store opens and closes its own connection) or a client the caller keeps owning. */
  readonly redis: string | Redis;
  /** Prefix of every key; default (also when undefined, as a deployment's optional setting forwards it) `featgate:`. */
  readonly prefix?: string | undefined;
  /** Where the store reports; silent when absent or undefined. */
  readonly logger?: Logger | undefined;
  /** How many times in a row one batch may lose the compare-and-set to other writers before giving up. */
  readonly maxConflicts?: number;
  /** Signs a batch's checkpoint, pushed in the same script call as the batch (see `CheckpointedLedgerStore`). */
  readonly signBatch?: (entries: readonly LedgerEntry[]) => Promise<string>;
}

/**
 * The shared ledger in Redis: a list of entry JSON strings and a head key, appended by a compare-and-set script
 * so any number of processes can write at once and the chain stays valid. The head is cached, so an
 * uncontended append is one round trip; on a lost race the script returns the current head and the batch
 * is rebuilt on it.
 */
export class RedisLedgerStore extends QueuedLedgerStore {
  private readonly keys: RedisLedgerKeys;
  private readonly redis: Redis;
  private readonly ownsClient: boolean;
  private readonly logger: Logger;
  private readonly maxConflicts: number;
  private cachedHead: { readonly value: LedgerHead | undefined } | undefined;

  constructor(private readonly options: RedisLedgerOptions) {
    super();
    this.ownsClient = typeof options.redis === 'string';
    this.redis = typeof options.redis === 'string' ? new Redis(options.redis) : options.redis;
    this.keys = redisLedgerKeys(options.prefix ?? DEFAULT_REDIS_PREFIX);
    this.logger = options.logger ?? silentLogger;
    this.maxConflicts = options.maxConflicts ?? 10_000;
    if (this.ownsClient) {
      this.redis.on('error', (error: Error) =>
        this.logger.warn({ err: error.message }, 'ledger Redis connection error'),
      );
    }
  }

  /** Entries after `afterSeq` by list index, each checked against its hash. */
  async readAfter(afterSeq: number, limit?: number): Promise<LedgerEntry[]> {
    checkReadAfterArguments(afterSeq, limit);
    const stop = limit === undefined ? -1 : afterSeq + limit - 1;
    const texts = await this.redis.lrange(this.keys.entries, afterSeq, stop);
    return texts.map((text, index) => this.recent.read(text, afterSeq + index + 1, `redis key ${this.keys.entries}`));
  }

  /** Entries by seq in one pipelined round trip, each checked against its hash. */
  async readSeqs(seqs: readonly number[]): Promise<LedgerEntry[]> {
    checkReadSeqsArguments(seqs);
    if (seqs.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const seq of seqs) pipeline.lindex(this.keys.entries, seq - 1);
    const replies = (await pipeline.exec()) ?? [];
    const entries: LedgerEntry[] = [];
    for (const [index, [error, text]] of replies.entries()) {
      if (error) throw error;
      if (typeof text !== 'string') break;
      entries.push(this.recent.read(text, seqs[index]!, `redis key ${this.keys.entries}`));
    }
    return entries;
  }

  /** The newest entry as stored in Redis now (other processes may have appended). */
  async head(): Promise<LedgerHead | undefined> {
    const head = decodeRedisHead(await this.redis.get(this.keys.head));
    this.cachedHead = { value: head };
    return head;
  }

  /** Verifies the list and head key as `featgate audit verify` does. */
  verify(): Promise<LedgerVerification> {
    return verifyLedger(redisRecordSource(this.redis, this.options.prefix ?? DEFAULT_REDIS_PREFIX));
  }

  /** Closes the connection if the store opened it. */
  protected async release(): Promise<void> {
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Appends the batch with the compare-and-set script, rebuilding it on the head another writer moved. */
  protected async write(batch: readonly LedgerAppend[]): Promise<WrittenBatch> {
    for (let conflicts = 0; ; conflicts += 1) {
      const base = this.cachedHead ? this.cachedHead.value : await this.head();
      const entries = buildEntries(batch, base);
      const last = entries[entries.length - 1]!;
      const newHead = { seq: last.seq, hash: last.hash };
      const texts = entries.map(serializeEntry);
      let result;
      try {
        const checkpoint = this.options.signBatch ? await this.options.signBatch(entries) : '';
        result = await runAppendScript(
          this.redis,
          [this.keys.entries, this.keys.head, this.keys.checkpoints],
          encodeRedisHead(base),
          encodeRedisHead(newHead),
          texts,
          checkpoint,
        );
      } catch (error) {
        this.cachedHead = undefined;
        throw error;
      }
      if (result.appended) {
        this.cachedHead = { value: newHead };
        return { entries, texts };
      }
      this.cachedHead = { value: decodeRedisHead(result.head) };
      if (result.head !== '' && !this.cachedHead.value) {
        throw new ConflictError(`redis key ${this.keys.head} holds a malformed head; run \`featgate audit verify\``);
      }
      if (conflicts >= this.maxConflicts) {
        this.logger.warn({ conflicts }, 'ledger append kept losing the race to other writers');
        throw new ConflictError(`ledger append lost the race to other writers ${conflicts} times in a row`);
      }
    }
  }
}
