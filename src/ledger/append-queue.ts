import { ConflictError, parseOrThrow } from '../errors/index.js';
import type { LedgerAppend, LedgerEntry } from './ledger-entry.js';
import { ledgerAppendSchema } from './ledger-schema.js';

/** Writes a batch of appends as one atomic step and returns the stored entries in the same order. */
export type CommitBatch = (appends: readonly LedgerAppend[]) => Promise<LedgerEntry[]>;

/** Told of every committed batch, in seq order. */
export type AppendListener = (entries: readonly LedgerEntry[]) => void;

interface PendingAppend {
  readonly append: LedgerAppend;
  resolve(entry: LedgerEntry): void;
  reject(error: unknown): void;
}

/**
 * The front of every ledger store: validates each append, refuses appends once closed, serialises appends inside
 * one process and commits whatever queued up meanwhile as one batch (group commit), so concurrent callers share
 * one fsync or one Redis round trip and the chain is built in a single place.
 */
export class AppendQueue {
  private pending: PendingAppend[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;
  private readonly listeners = new Set<AppendListener>();

  constructor(
    private readonly commit: CommitBatch,
    private readonly maxBatch = 256,
  ) {}

  /** Validates and queues one append; resolves with the stored entry once its batch is durable. */
  enqueue(append: LedgerAppend): Promise<LedgerEntry> {
    if (this.closed) return Promise.reject(new ConflictError('the ledger store is closed'));
    let valid: LedgerAppend;
    try {
      valid = parseOrThrow(ledgerAppendSchema, append) as LedgerAppend;
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<LedgerEntry>((resolve, reject) => {
      this.pending.push({ append: valid, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /**
   * Calls `listener` with every committed batch before the appenders' promises resolve, so what follows an append
   * in this process can already see it. A listener that throws never fails the append (the entry is stored).
   */
  onAppended(listener: AppendListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** True once `close` was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Refuses further appends and resolves when every queued one has settled. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    await Promise.resolve();
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        const entries = await this.commit(batch.map((item) => item.append));
        this.tell(entries);
        batch.forEach((item, index) => item.resolve(entries[index]!));
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    this.draining = undefined;
  }

  private tell(entries: readonly LedgerEntry[]): void {
    for (const listener of this.listeners) {
      try {
        listener(entries);
      } catch {
        // the batch is durable; a listener's failure is the listener's to report
      }
    }
  }
}
