import type { ApprovedFlagState } from '../model/index.js';
import type { SkippedEntry } from '../../ledger-events/index.js';

/** The approved state of every governed (environment, flag), and how far into the ledger it reaches. */
export interface ApprovedStates {
  /** Keyed by `approvedStateKey(envId, flagKey)`. */
  readonly states: ReadonlyMap<string, ApprovedFlagState>;
  readonly lastSeq: number;
  readonly skipped: readonly SkippedEntry[];
}

/** The state before any entry. */
export const EMPTY_APPROVED_STATES: ApprovedStates = { states: new Map(), lastSeq: 0, skipped: [] };

/** Map key of one (environment, flag). */
export function approvedStateKey(envId: string, flagKey: string): string {
  return `${envId}/${flagKey}`;
}
