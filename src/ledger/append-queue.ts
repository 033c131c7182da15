import type { LedgerAppend, LedgerEntry } from './ledger-entry.js';

/** Writes a batch of appends as one atomic step and returns the stored entries in the same order. */
export type CommitBatch = (appends: readonly LedgerAppend[]) => Promise<LedgerEntry[]>;

interface PendingAppend {
  readonly append: LedgerAppend;
  resolve(entry: LedgerEntry): void;
  reject(error: unknown): void;
}

/**
 * Serialises appends inside one process and commits whatever queued up meanwhile as one batch (group commit),
 * so concurrent callers share one fsync or one Redis round trip and the chain is built in a single place.
 */
export class AppendQueue {
  private pending: PendingAppend[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    private readonly commit: CommitBatch,
    private readonly maxBatch = 256,
  ) {}

  /** Queues one append; resolves with the stored entry once its batch is durable. */
  enqueue(append: LedgerAppend): Promise<LedgerEntry> {
    return new Promise<LedgerEntry>((resolve, reject) => {
      this.pending.push({ append, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** Resolves when every queued append has settled. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    await Promise.resolve();
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        const entries = await this.commit(batch.map((item) => item.append));
        batch.forEach((item, index) => item.resolve(entries[index]!));
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    this.draining = undefined;
  }
}
