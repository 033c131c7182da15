import type { ApprovedFlagState } from '../../approved-state/index.js';
import type { LedgerEntry } from '../../ledger/ledger-entry.js';
import { LedgerEventType } from '../../ledger/ledger-event-type.js';
import { readLedgerPayload } from '../payloads/index.js';
import { skippedForPayload, type SkippedEntry } from '../skipped-entry.js';
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
  const states = new Map(state.states);
  const skipped: SkippedEntry[] = [...state.skipped];
  let lastSeq = state.lastSeq;
  for (const entry of entries) {
    if (entry.seq <= lastSeq) continue;
    lastSeq = entry.seq;
    if (entry.type !== LedgerEventType.ApprovedStateSet && entry.type !== LedgerEventType.FlagAdopted) continue;
    const read = readLedgerPayload(entry.type, entry.data);
    if (!read.ok) {
      skipped.push(skippedForPayload(entry, read.error));
      continue;
    }
    const approved: ApprovedFlagState = { ...read.payload.state, version: entry.seq };
    states.set(approvedStateKey(approved.envId, approved.flagKey), approved);
  }
  return { states, lastSeq, skipped };
}

/** Folds entries from the empty state. */
export function foldApprovedStates(entries: readonly LedgerEntry[]): ApprovedStates {
  return applyApprovedStateEntries(EMPTY_APPROVED_STATES, entries);
}
