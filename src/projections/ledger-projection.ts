import type { LedgerEntry } from '../ledger/ledger-entry.js';
import type { LedgerStore } from '../ledger/ledger-store.js';

/** A pure fold over ledger entries: where it starts and how a batch of entries advances it. */
export interface ProjectionFold<S extends { readonly lastSeq: number }> {
  readonly initial: S;
  apply(state: S, entries: readonly LedgerEntry[]): S;
}

/** Options of a LedgerProjection. */
export interface LedgerProjectionOptions {
  /** Entries read per `readAfter` call while catching up. */
  readonly batchSize?: number;
}

/**
 * Keeps a fold up to date with a LedgerStore: every `current()` first reads the entries appended since the
 * last one it saw (by any process sharing the store), so callers always answer from the whole ledger.
 * Catch-ups run one at a time; a call made while one runs waits for it and then reads again.
 */
export class LedgerProjection<S extends { readonly lastSeq: number }> {
  private state: S;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly batchSize: number;

  constructor(
    private readonly store: LedgerStore,
    private readonly fold: ProjectionFold<S>,
    options: LedgerProjectionOptions = {},
  ) {
    this.state = fold.initial;
    this.batchSize = options.batchSize ?? 1000;
  }

  /** The state after every entry the store holds now. */
  current(): Promise<S> {
    const next = this.queue.then(() => this.catchUp());
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The state as of the last catch-up, without reading the store. */
  snapshot(): S {
    return this.state;
  }

  private async catchUp(): Promise<S> {
    for (;;) {
      const entries = await this.store.readAfter(this.state.lastSeq, this.batchSize);
      if (entries.length === 0) return this.state;
      this.state = this.fold.apply(this.state, entries);
      if (entries.length < this.batchSize) return this.state;
    }
  }
}
