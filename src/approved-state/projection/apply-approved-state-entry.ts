import type { ApprovedFlagState } from '../model/index.js';
import type { LedgerEntry } from '../../ledger/ledger-entry.js';
import { LedgerEventType } from '../../ledger/ledger-event-type.js';
import { readLedgerPayload, skippedForPayload, type SkippedEntry } from '../../ledger-events/index.js';
import { approvedStateKey, EMPTY_APPROVED_STATES, type ApprovedStates } from './approved-states.js';

/** Applies one ledger entry to the approved states; pure. */
export function applyApprovedStateEntry(state: ApprovedStates, entry: LedgerEntry): ApprovedStates {
  return applyApprovedStateEntries(state, [entry]);
}

/**
 * Applies entries in order; pure. `approved-state.set` and `flag.adopted` replace the state of their
 * (environment, flag) and stamp `version` with the entry's seq; other entries only advance `lastSeq`. Entries
 * at or below `lastSeq` are ignored; entries with a bad payload are listed in `skipped`.
 */
export function applyApprovedStateEntries(state: ApprovedStates, entries: readonly LedgerEntry[]): ApprovedStates {
  const next: MutableApprovedStates = {
    states: new Map(state.states),
    lastSeq: state.lastSeq,
    skipped: [...state.skipped],
  };
  applyApprovedStateEntriesInPlace(next, entries);
  return next;
}

/** Approved states a projection owns alone and updates in place. */
export interface MutableApprovedStates extends ApprovedStates {
  readonly states: Map<string, ApprovedFlagState>;
  lastSeq: number;
  readonly skipped: SkippedEntry[];
}

/**
 * Applies entries in order to `state` itself, at a cost that grows with the entries, not with the number of
 * approved flags (for a projection that owns its state; `applyApprovedStateEntries` is the pure form). Returns the
 * approved states the entries set, in order, so the caller can tell which environments changed.
 */
export function applyApprovedStateEntriesInPlace(
  state: MutableApprovedStates,
  entries: readonly LedgerEntry[],
): ApprovedFlagState[] {
  const set: ApprovedFlagState[] = [];
  for (const entry of entries) {
    if (entry.seq <= state.lastSeq) continue;
    state.lastSeq = entry.seq;
    if (entry.type !== LedgerEventType.ApprovedStateSet && entry.type !== LedgerEventType.FlagAdopted) continue;
    const read = readLedgerPayload(entry.type, entry.data);
    if (!read.ok) {
      state.skipped.push(skippedForPayload(entry, read.error));
      continue;
    }
    const approved: ApprovedFlagState = { ...read.payload.state, version: entry.seq };
    state.states.set(approvedStateKey(approved.envId, approved.flagKey), approved);
    set.push(approved);
  }
  return set;
}

/** Folds entries from the empty state. */
export function foldApprovedStates(entries: readonly LedgerEntry[]): ApprovedStates {
  return applyApprovedStateEntries(EMPTY_APPROVED_STATES, entries);
}
