import type { CheckpointStore } from './checkpoint-store.js';
import { signCheckpoint, type LedgerSigningKey } from './ledger-checkpoint.js';
import type { LedgerAppend, LedgerEntry } from './ledger-entry.js';
import type { LedgerRecordSource } from './ledger-record-source.js';
import type { LedgerAppendListener, LedgerHead } from './ledger-store.js';
import type { LedgerVerification } from './ledger-verification.js';
import type { VerifiableLedgerStore } from './verifiable-ledger-store.js';
import { TamperKind } from './tamper-kind.js';
import { verifyLedgerWitnessed } from './verify-ledger-witnessed.js';

/** How long an unsigned tail may be another writer's append whose checkpoint is on its way (Redis, several processes). */
const IN_FLIGHT_RETRIES = 10;
const IN_FLIGHT_DELAY_MS = 200;

/** What the checkpointing store needs besides the store it wraps. */
export interface CheckpointedLedgerOptions {
  /** The store that keeps the entries; must report its batches (`onAppended`). */
  readonly store: VerifiableLedgerStore;
  /** The store's raw records, for verification. */
  readonly source: LedgerRecordSource;
  readonly checkpoints: CheckpointStore;
  /** The ledger signing key; never kept in the store beside the ledger (a key file or configuration). */
  readonly key: LedgerSigningKey;
  /**
   * The store writes each batch's checkpoint itself, atomically with the batch (the Redis store given `signBatch`),
   * so there is no moment when an entry exists without its checkpoint.
   */
  readonly signedByStore?: boolean;
}

/**
 * A ledger store whose every batch is covered by a signed checkpoint before its appends resolve, and whose
 * `verify` checks the chain against those checkpoints. Someone who can write the store but lacks the key can no
 * longer rewrite, rehash, truncate, re-anchor or append unseen (see `verifyLedgerWitnessed`).
 */
export class CheckpointedLedgerStore implements VerifiableLedgerStore {
  private pending: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: CheckpointedLedgerOptions) {
    if (options.signedByStore) {
      this.unsubscribe = () => undefined;
      return;
    }
    if (!options.store.onAppended) throw new TypeError('the ledger store must report its batches to be checkpointed');
    this.unsubscribe = options.store.onAppended((entries) => this.checkpoint(entries));
  }

  /** Appends one entry; resolves once it and a signed checkpoint covering it are durable. */
  async append(entry: LedgerAppend): Promise<LedgerEntry> {
    const stored = await this.options.store.append(entry);
    await this.pending;
    if (this.failure) throw this.failure;
    return stored;
  }

  readAfter(afterSeq: number, limit?: number): Promise<LedgerEntry[]> {
    return this.options.store.readAfter(afterSeq, limit);
  }

  readSeqs(seqs: readonly number[]): Promise<LedgerEntry[]> {
    return this.options.store.readSeqs(seqs);
  }

  onAppended(listener: LedgerAppendListener): () => void {
    return this.options.store.onAppended!(listener);
  }

  head(): Promise<LedgerHead | undefined> {
    return this.options.store.head();
  }

  /**
   * The chain against the signed checkpoints (and every entry covered by one). Another process appends first and
   * signs right after, so an unsigned tail is given about two seconds to be covered before it is reported.
   */
  async verify(expectHead?: LedgerHead): Promise<LedgerVerification> {
    const once = () => verifyLedgerWitnessed(this.options.source, { checkpoints: this.options.checkpoints, publicKeys: [this.options.key.publicJwk], expectHead });
    let verification = await once();
    for (let retry = 0; !verification.ok && verification.problem.kind === TamperKind.Unsigned && retry < IN_FLIGHT_RETRIES; retry += 1) {
      await new Promise((resolve) => setTimeout(resolve, IN_FLIGHT_DELAY_MS));
      verification = await once();
    }
    return verification;
  }

  async close(): Promise<void> {
    await this.options.store.close();
    await this.pending;
    this.unsubscribe();
  }

  private checkpoint(entries: readonly LedgerEntry[]): void {
    const first = entries[0];
    const last = entries[entries.length - 1];
    if (!first || !last) return;
    this.pending = this.pending.then(async () => {
      try {
        const jws = await signCheckpoint({ from: first.seq, to: last.seq, hash: last.hash, at: new Date().toISOString() }, this.options.key);
        await this.options.checkpoints.append(jws);
      } catch (error) {
        // an entry without its checkpoint fails verification; refuse further appends so it is noticed at once
        this.failure = new Error(`ledger checkpoint could not be written: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  }
}
