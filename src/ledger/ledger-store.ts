import type { LedgerAppend, LedgerEntry } from './ledger-entry.js';

/** Told of the entries a store committed, in seq order. */
export type LedgerAppendListener = (entries: readonly LedgerEntry[]) => void;

/** The last entry of a chain, as seen by a store. */
export interface LedgerHead {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Append-only, hash-chained event log. Implementations (embedded JSONL file, Redis) keep the chain valid
 * even when several writers append at once, and never rewrite an entry.
 */
export interface LedgerStore {
  /** Appends one entry atomically and returns it as stored. */
  append(entry: LedgerAppend): Promise<LedgerEntry>;
  /** Entries with `seq > afterSeq`, in order, at most `limit` of them (all when omitted). */
  readAfter(afterSeq: number, limit?: number): Promise<LedgerEntry[]>;
  /** The entries with these seqs (ascending whole numbers >= 1), in that order; seqs past the head are left out. */
  readSeqs(seqs: readonly number[]): Promise<LedgerEntry[]>;
  /**
   * Calls `listener` with every batch this store instance committed, before its appenders' promises resolve
   * (entries other processes append are not reported). Optional: readers fall back to `readAfter`.
   */
  onAppended?(listener: LedgerAppendListener): () => void;
  /** Where entry `seq` starts in the store's file (embedded store only): a hint a signed ledger base keeps. */
  locate?(seq: number): Promise<number | undefined>;
  /** The newest entry's seq and hash, or undefined for an empty ledger. */
  head(): Promise<LedgerHead | undefined>;
  /** Releases files or connections. */
  close(): Promise<void>;
}
