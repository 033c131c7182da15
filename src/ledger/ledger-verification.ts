import type { TamperKind } from './tamper-kind.js';

/** The first problem verification found. */
export interface LedgerProblem {
  /** The seq that is wrong: the entry that was edited, the first one missing, or the one out of place. */
  readonly seq: number;
  readonly kind: TamperKind;
  /** What exactly was seen, for people. */
  readonly detail: string;
}

/** A chain that verified: every entry intact, linked, without gaps, and consistent with the head anchor. */
export interface LedgerVerified {
  readonly ok: true;
  readonly entries: number;
  /** Hash of the last entry, GENESIS_HASH for an empty ledger. */
  readonly head: string;
  /** True when a torn trailing fragment from a crash was ignored (the store drops it when it next opens). */
  readonly tornTail: boolean;
  /**
   * Checkpoint store position after the checkpoints this verification read (read before the entries, so every
   * checkpoint of an entry after `entries` lies at or after it); set when checkpoints were checked.
   */
  readonly checkpointsEnd?: number;
}

/** A chain that failed verification. */
export interface LedgerTampered {
  readonly ok: false;
  /** Entries that verified before the problem. */
  readonly entries: number;
  readonly problem: LedgerProblem;
}

/** Outcome of `verifyLedger`. */
export type LedgerVerification = LedgerVerified | LedgerTampered;
