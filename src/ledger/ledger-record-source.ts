import type { LedgerHead } from './ledger-store.js';

/** One stored record exactly as a store keeps it, before parsing. */
export interface LedgerRecord {
  readonly text: string;
  /** False for a trailing fragment without its line end (a torn write in the JSONL file). */
  readonly complete: boolean;
}

/** Read-only access to a store's raw records and head anchor, so verification sees what is really stored. */
export interface LedgerRecordSource {
  /** Where the records live, for messages (a file path or a Redis key). */
  readonly location: string;
  /** The head the store recorded after its last append; undefined when there is none (or it is unreadable). */
  readAnchor(): Promise<LedgerHead | undefined>;
  /** Every stored record in storage order. Read after the anchor, so the anchor never runs ahead of them. */
  records(): AsyncIterable<LedgerRecord>;
  /**
   * The stored records from the one that should hold `seq` on (verification from a base). `offset` is a byte offset
   * hint of the embedded file; the caller checks the first record it gets, so a wrong hint fails verification.
   */
  recordsFrom(seq: number, offset?: number): AsyncIterable<LedgerRecord>;
}
