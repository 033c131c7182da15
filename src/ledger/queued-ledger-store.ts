import { AppendQueue } from './append-queue.js';
import type { LedgerAppend, LedgerEntry } from './ledger-entry.js';
import type { LedgerAppendListener, LedgerHead } from './ledger-store.js';
import type { LedgerVerification } from './ledger-verification.js';
import { RecentAppends } from './recent-appends.js';
import type { VerifiableLedgerStore } from './verifiable-ledger-store.js';

/** A batch as a store wrote it: the entries and the exact text stored for each. */
export interface WrittenBatch {
  readonly entries: LedgerEntry[];
  readonly texts: readonly string[];
}

/**
 * What every ledger store shares: appends go through one AppendQueue (validation, group commit, refusal once
 * closed, append listeners), and what the store wrote is remembered (RecentAppends) so reading it back is cheap.
 * A store writes batches, reads, verifies and releases its files or connections.
 */
export abstract class QueuedLedgerStore implements VerifiableLedgerStore {
  private readonly queue = new AppendQueue(async (batch) => {
    const written = await this.write(batch);
    written.entries.forEach((entry, index) => this.recent.remember(entry, written.texts[index]!));
    return written.entries;
  });
  /** Entries this store wrote, to be read back through `recent.read`. */
  protected readonly recent = new RecentAppends();

  /** Appends one entry; resolves once it is durable in the store. */
  append(entry: LedgerAppend): Promise<LedgerEntry> {
    return this.queue.enqueue(entry);
  }

  /** Reports every batch this store commits; see `LedgerStore.onAppended`. */
  onAppended(listener: LedgerAppendListener): () => void {
    return this.queue.onAppended(listener);
  }

  /** Refuses new appends, waits for queued ones, then releases the store's resources (once). */
  async close(): Promise<void> {
    if (this.queue.isClosed) return;
    await this.queue.close();
    await this.release();
  }

  abstract readAfter(afterSeq: number, limit?: number): Promise<LedgerEntry[]>;
  abstract readSeqs(seqs: readonly number[]): Promise<LedgerEntry[]>;
  abstract head(): Promise<LedgerHead | undefined>;
  abstract verify(): Promise<LedgerVerification>;

  /** Writes one batch of validated appends atomically after the current head. */
  protected abstract write(batch: readonly LedgerAppend[]): Promise<WrittenBatch>;
  /** Frees files or connections; called once, after every queued append settled. */
  protected abstract release(): Promise<void>;
}
