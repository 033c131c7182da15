import type { CheckpointStore } from './checkpoint-store.js';
import type { LedgerBase } from './ledger-base.js';
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
  private base: LedgerBase | undefined;
  /** The signed base the opening verification started from, when it did not start from genesis. */
  startedFrom: LedgerBase | undefined;
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

  /** Where entry `seq` starts in the store's file, when the store keeps one. */
  locate(seq: number): Promise<number | undefined> {
    return this.options.store.locate ? this.options.store.locate(seq) : Promise.resolve(undefined);
  }

  /** Position of the checkpoint store after the last checkpoint written now. */
  checkpointsEnd(): Promise<number> {
    return this.options.checkpoints.end();
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
  async verify(expectHead?: LedgerHead, base?: LedgerBase): Promise<LedgerVerification> {
    await this.pending;
    const witness = {
      checkpoints: this.options.checkpoints,
      publicKeys: [this.options.key.publicJwk],
      ...(expectHead ? { expectHead } : {}),
      ...(base ? { base } : {}),
    };
    const once = () => verifyLedgerWitnessed(this.options.source, witness);
    let verification = await once();
    for (
      let retry = 0;
      !verification.ok && verification.problem.kind === TamperKind.Unsigned && retry < IN_FLIGHT_RETRIES;
      retry += 1
    ) {
      await new Promise((resolve) => setTimeout(resolve, IN_FLIGHT_DELAY_MS));
      verification = await once();
    }
    return verification;
  }

  /**
   * The newest point of the chain this process verified against the signed checkpoints (on open, then by each
   * `verifyOnwards`); a snapshot may be sealed only at such a point, so an unsigned entry that another writer slipped
   * in is never laundered into a signed base.
   */
  get verifiedBase(): LedgerBase | undefined {
    return this.base;
  }

  /**
   * Verifies what follows the last verified base (everything when there is none) up to the head, and when it holds
   * and contains `through` (a seq and its hash), moves the verified base to `through`. Costs the entries since the
   * last base. Returns the verification, for the caller to report.
   */
  async verifyOnwards(through: LedgerHead, checkpointsBefore: number): Promise<LedgerVerification> {
    const verification = await this.verify(through, this.base && this.base.seq <= through.seq ? this.base : undefined);
    if (verification.ok) {
      const offset = await this.locate(through.seq);
      this.base = {
        seq: through.seq,
        hash: through.hash,
        checkpoints: checkpointsBefore,
        at: new Date().toISOString(),
        ...(offset === undefined ? {} : { offset }),
      };
    }
    return verification;
  }

  /** Records the base verification on open reached (see `openCheckpointedLedger`). */
  setVerifiedBase(base: LedgerBase | undefined): void {
    this.base = base;
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
        const jws = await signCheckpoint(
          { from: first.seq, to: last.seq, hash: last.hash, at: new Date().toISOString() },
          this.options.key,
        );
        await this.options.checkpoints.append(jws);
      } catch (error) {
        // an entry without its checkpoint fails verification; refuse further appends so it is noticed at once
        this.failure = new Error(
          `ledger checkpoint could not be written: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    });
  }
}
