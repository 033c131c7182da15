import { ChangeStatus } from '../model/index.js';
import type { LedgerEntry } from '../../ledger/ledger-entry.js';
import { LedgerEventType } from '../../ledger/ledger-event-type.js';
import {
  isProjectedEventType,
  readLedgerPayload,
  type ProjectedEventType,
  skippedForPayload,
  type SkippedEntry,
} from '../../ledger-events/index.js';
import type {
  ChangeClassifiedPayload,
  ChangeStatusChangedPayload,
  EvidenceAttachedPayload,
  ReviewSubmittedPayload,
} from '../events/index.js';
import type {
  ReleaseHeldPayload,
  ReleaseResumedPayload,
  ReleaseRolledBackPayload,
  StageAppliedPayload,
} from '../../releases/model/index.js';
import type { SignalRecordedPayload } from '../../exposure/model/index.js';
import { outlineChangeRecord } from './change-record-outline.js';
import { EMPTY_CHANGE_RECORDS, type ChangeRecordState, type ChangeRecordsState } from './change-record-state.js';

const CONSUMED: ReadonlySet<string> = new Set<LedgerEventType>([
  LedgerEventType.ChangeCreated,
  LedgerEventType.ChangeEdited,
  LedgerEventType.ChangeClassified,
  LedgerEventType.ReviewSubmitted,
  LedgerEventType.ApprovalsReset,
  LedgerEventType.EvidenceAttached,
  LedgerEventType.ChangeStatusChanged,
  LedgerEventType.StageApplied,
  LedgerEventType.ReleaseHeld,
  LedgerEventType.ReleaseResumed,
  LedgerEventType.ReleaseRolledBack,
  LedgerEventType.ReleaseCompleted,
  LedgerEventType.SignalRecorded,
]);

/** Applies one ledger entry to the change-records state; pure (returns a new state, the old one is untouched). */
export function applyChangeEntry(state: ChangeRecordsState, entry: LedgerEntry): ChangeRecordsState {
  return applyChangeEntries(state, [entry]);
}

/**
 * Applies entries in order; pure. Entries at or below `state.lastSeq` are ignored, so re-reading is harmless.
 * An entry that cannot apply (bad payload, unknown change, duplicate creation) is listed in `skipped`.
 */
export function applyChangeEntries(state: ChangeRecordsState, entries: readonly LedgerEntry[]): ChangeRecordsState {
  // The maps are copied only when an entry touches a change, so following entries that concern no change record
  // (approved states, adoptions, manifests) costs nothing per existing change.
  let changes: Map<string, ChangeRecordState> | undefined;
  let skipped: SkippedEntry[] | undefined;
  let lastSeq = state.lastSeq;
  for (const entry of entries) {
    if (entry.seq <= lastSeq) continue;
    lastSeq = entry.seq;
    if (!CONSUMED.has(entry.type) || !isProjectedEventType(entry.type)) continue;
    changes ??= new Map(state.changes);
    const problem = applyOne(changes, entry, entry.type);
    if (problem) (skipped ??= [...state.skipped]).push(problem);
  }
  return { changes: changes ?? state.changes, lastSeq, skipped: skipped ?? state.skipped };
}

/** Change records a projection owns alone and updates in place. */
export interface MutableChangeRecords extends ChangeRecordsState {
  readonly changes: Map<string, ChangeRecordState>;
  lastSeq: number;
  readonly skipped: SkippedEntry[];
}

/**
 * Applies entries in order to `state` itself, at a cost that grows with the entries, never with the number of change
 * records (for a projection that owns its state and is the single writer of it; `applyChangeEntries` is the pure form).
 */
export function applyChangeEntriesInPlace(state: MutableChangeRecords, entries: readonly LedgerEntry[]): void {
  for (const entry of entries) {
    if (entry.seq <= state.lastSeq) continue;
    state.lastSeq = entry.seq;
    if (!CONSUMED.has(entry.type) || !isProjectedEventType(entry.type)) continue;
    const problem = applyOne(state.changes, entry, entry.type);
    if (problem) state.skipped.push(problem);
  }
}

/**
 * What an edit does to a change's reviews and status by itself: every review is superseded and the change is
 * proposed again. The service also records this as `review.approvals-reset` and `change.status-changed`, but an
 * edit whose writer died before those entries must not leave an approved change with content nobody reviewed.
 */
function withdrawnApprovals(existing: ChangeRecordState): Partial<ChangeRecordState> {
  if (existing.reviews.length === 0 && existing.status === ChangeStatus.Proposed) return {};
  return {
    reviews: [],
    supersededReviews: [...existing.supersededReviews, ...existing.reviews],
    ...(existing.status === ChangeStatus.Proposed ? {} : { status: ChangeStatus.Proposed, statusReason: 'edited' }),
  };
}

/** Folds entries from the empty state. */
export function foldChangeRecords(entries: readonly LedgerEntry[]): ChangeRecordsState {
  return applyChangeEntries(EMPTY_CHANGE_RECORDS, entries);
}

function applyOne(
  changes: Map<string, ChangeRecordState>,
  entry: LedgerEntry,
  type: ProjectedEventType,
): SkippedEntry | undefined {
  const skip = (reason: string): SkippedEntry => ({ seq: entry.seq, type: entry.type, reason });
  if (type === LedgerEventType.ChangeCreated || type === LedgerEventType.ChangeEdited) {
    const read = readLedgerPayload(type, entry.data);
    if (!read.ok) return skippedForPayload(entry, read.error);
    const record = outlineChangeRecord(read.payload.record);
    const existing = changes.get(record.key);
    if (type === LedgerEventType.ChangeCreated) {
      if (existing) return skip(`change ${record.key} already exists`);
      changes.set(record.key, {
        key: record.key,
        record,
        recordSeq: entry.seq,
        status: ChangeStatus.Proposed,
        revision: 1,
        reviews: [],
        supersededReviews: [],
        evidence: [],
        createdAt: entry.at,
        createdBy: entry.actor.id,
        updatedAt: entry.at,
        lastSeq: entry.seq,
      });
      return undefined;
    }
    if (!existing) return skip(`change ${record.key} does not exist`);
    changes.set(record.key, {
      ...existing,
      ...withdrawnApprovals(existing),
      record,
      recordSeq: entry.seq,
      revision: existing.revision + 1,
      updatedAt: entry.at,
      lastSeq: entry.seq,
    });
    return undefined;
  }

  const read = readLedgerPayload(type, entry.data);
  if (!read.ok) return skippedForPayload(entry, read.error);
  const payload = read.payload as { changeKey: string };
  const existing = changes.get(payload.changeKey);
  if (!existing) return skip(`change ${payload.changeKey} does not exist`);
  const touched = { updatedAt: entry.at, lastSeq: entry.seq };
  const set = (next: Partial<ChangeRecordState>): undefined => {
    changes.set(existing.key, { ...existing, ...next, ...touched });
    return undefined;
  };
  switch (type) {
    case LedgerEventType.ChangeClassified: {
      const { tier, firedRuleIds, reasons } = read.payload as ChangeClassifiedPayload;
      return set({ classification: { tier, firedRuleIds, reasons } });
    }
    case LedgerEventType.ReviewSubmitted:
      return set({ reviews: [...existing.reviews, (read.payload as ReviewSubmittedPayload).review] });
    case LedgerEventType.ApprovalsReset:
      return set({ reviews: [], supersededReviews: [...existing.supersededReviews, ...existing.reviews] });
    case LedgerEventType.EvidenceAttached:
      return set({ evidence: [...existing.evidence, (read.payload as EvidenceAttachedPayload).evidence] });
    case LedgerEventType.ChangeStatusChanged: {
      const { status, reason } = read.payload as ChangeStatusChangedPayload;
      return set({ status, statusReason: reason });
    }
    case LedgerEventType.StageApplied:
      return set({
        status: ChangeStatus.Releasing,
        stageIndex: (read.payload as StageAppliedPayload).stageIndex,
        stageAppliedAt: entry.at,
      });
    case LedgerEventType.ReleaseHeld:
      return set({ status: ChangeStatus.Held, statusReason: (read.payload as ReleaseHeldPayload).reason });
    case LedgerEventType.ReleaseResumed:
      return set({ status: ChangeStatus.Releasing, statusReason: (read.payload as ReleaseResumedPayload).reason });
    case LedgerEventType.ReleaseRolledBack:
      return set({ status: ChangeStatus.RolledBack, statusReason: (read.payload as ReleaseRolledBackPayload).reason });
    case LedgerEventType.ReleaseCompleted:
      return set({ status: ChangeStatus.Completed, statusReason: undefined });
    case LedgerEventType.SignalRecorded: {
      const signal = read.payload as SignalRecordedPayload;
      const latest = { value: signal.value, observedAt: signal.observedAt, source: signal.source, seq: entry.seq };
      return set({ signals: { ...existing.signals, [signal.metric]: latest } });
    }
    default:
      return undefined;
  }
}
