import type { RiskTier } from '../../../policies/engine/risk-tier.js';
import type { ChangeRecord, ChangeStatus, EvidenceItem, Review } from '../model/index.js';
import type { SkippedEntry } from '../../ledger-events/index.js';
import type { ChangeRecordOutline } from './change-record-outline.js';

/** The current state of one change record, folded from its ledger entries. */
export interface ChangeRecordState {
  readonly key: string;
  /**
   * The latest version of the record (secrets redacted), its flag values by hash only: the full record is read
   * from the ledger entry at `recordSeq` on demand (`LedgerProjections.record`).
   */
  readonly record: ChangeRecordOutline;
  /** Seq of the `change.created` or `change.edited` entry that holds the latest version of the record. */
  readonly recordSeq: number;
  readonly status: ChangeStatus;
  /** 1 for the created record, +1 per edit. */
  readonly revision: number;
  /** Reviews that count: those submitted since the last approvals reset. */
  readonly reviews: readonly Review[];
  /** Reviews an approvals reset made void, kept for the record. */
  readonly supersededReviews: readonly Review[];
  /** Evidence attached after creation (the record's own evidence is in `record.evidence`). */
  readonly evidence: readonly EvidenceItem[];
  readonly classification?: {
    readonly tier: RiskTier;
    readonly firedRuleIds: readonly string[];
    readonly reasons: readonly string[];
  };
  /** Index of the release stage applied last, when ramping has started. */
  readonly stageIndex?: number;
  /** When the stage at `stageIndex` was applied (the ledger time of its entry); minimum durations count from it. */
  readonly stageAppliedAt?: string;
  /** Latest guardrail signal per metric, recorded while the change was exposed. */
  readonly signals?: Readonly<Record<string, LatestSignal>>;
  /** Why the status is what it is (held, rolled back...); undefined once a status without a reason replaces it. */
  readonly statusReason?: string | undefined;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  /** Seq of the last entry that changed this record. */
  readonly lastSeq: number;
}

/** A change's state with its full record (values included) read back from the ledger, for code that reads values. */
export type LoadedChangeRecordState = Omit<ChangeRecordState, 'record'> & { readonly record: ChangeRecord };

/** The newest value of one guardrail metric of a change. */
export interface LatestSignal {
  readonly value: number;
  readonly observedAt: string;
  readonly source: string;
  /** Seq of the entry that recorded it. */
  readonly seq: number;
}

/** The state of every change record, and how far into the ledger it reaches. */
export interface ChangeRecordsState {
  readonly changes: ReadonlyMap<string, ChangeRecordState>;
  readonly lastSeq: number;
  readonly skipped: readonly SkippedEntry[];
}

/** The state before any entry. */
export const EMPTY_CHANGE_RECORDS: ChangeRecordsState = { changes: new Map(), lastSeq: 0, skipped: [] };
