import type { Actor, LedgerEntry } from '../../ledger/index.js';
import { LedgerEventType } from '../../ledger/index.js';
import type { ProjectionFold } from '../../projections/index.js';
import {
  PostReviewOutcome,
  type BreakGlassExpiredPayload,
  type BreakGlassReviewedPayload,
  type BreakGlassUsedPayload,
} from '../model/index.js';
import { readLedgerPayload } from '../../ledger-events/index.js';

/** Where a break-glass change stands. */
export enum BreakGlassStatus {
  /** In place, waiting for post-approval or expiry. */
  Active = 'active',
  /** Post-approved and not yet ended (a concluded post-review ends the use at once). */
  Approved = 'approved',
  /** Ended (expired or rejected); the prior approved state was restored where it still applied. */
  Ended = 'ended',
}

/** One break-glass use folded from the ledger. */
export interface BreakGlassRecord {
  readonly used: BreakGlassUsedPayload;
  readonly usedBy: Actor;
  readonly usedAt: string;
  readonly seq: number;
  readonly reviews: readonly BreakGlassReviewedPayload['review'][];
  readonly status: BreakGlassStatus;
  /** When the post-review concluded (approved or rejected). */
  readonly postReviewedAt?: string;
  readonly postReviewOutcome?: PostReviewOutcome;
  readonly ended?: BreakGlassExpiredPayload & { readonly at: string };
}

/** The exposure-side state the ledger holds: break-glass uses and review-date notices already sent. */
export interface ExposureLedgerState {
  readonly lastSeq: number;
  readonly breakGlass: ReadonlyMap<string, BreakGlassRecord>;
  /** `<itemKind>/<itemKey>/<dueAt>/<notice>` of every review-date notice recorded. */
  readonly notified: ReadonlySet<string>;
}

/** The key a review-date notice is remembered by. */
export function noticeKey(itemKind: string, itemKey: string, dueAt: string, notice: string): string {
  return `${itemKind}/${itemKey}/${dueAt}/${notice}`;
}

/** Folds break-glass and review-date entries; other entries only advance `lastSeq`. Pure. */
export const exposureLedgerFold: ProjectionFold<ExposureLedgerState> = {
  initial: { lastSeq: 0, breakGlass: new Map(), notified: new Set() },
  apply(state, entries) {
    let breakGlass: Map<string, BreakGlassRecord> | undefined;
    let notified: Set<string> | undefined;
    let lastSeq = state.lastSeq;
    for (const entry of entries) {
      if (entry.seq <= lastSeq) continue;
      lastSeq = entry.seq;
      if (entry.type === LedgerEventType.ReviewDateNotified) {
        const read = readLedgerPayload(entry.type, entry.data);
        if (!read.ok) continue;
        notified ??= new Set(state.notified);
        notified.add(noticeKey(read.payload.itemKind, read.payload.itemKey, read.payload.dueAt, read.payload.notice));
        continue;
      }
      const next = applyBreakGlass(breakGlass ?? state.breakGlass, entry);
      if (next) {
        breakGlass ??= new Map(state.breakGlass);
        breakGlass.set(next.used.id, next);
      }
    }
    return { lastSeq, breakGlass: breakGlass ?? state.breakGlass, notified: notified ?? state.notified };
  },
};

function applyBreakGlass(
  records: ReadonlyMap<string, BreakGlassRecord>,
  entry: LedgerEntry,
): BreakGlassRecord | undefined {
  switch (entry.type) {
    case LedgerEventType.BreakGlassUsed: {
      const read = readLedgerPayload(entry.type, entry.data);
      if (!read.ok || records.has(read.payload.id)) return undefined;
      return {
        used: read.payload,
        usedBy: entry.actor,
        usedAt: entry.at,
        seq: entry.seq,
        reviews: [],
        status: BreakGlassStatus.Active,
      };
    }
    case LedgerEventType.BreakGlassReviewed: {
      const read = readLedgerPayload(entry.type, entry.data);
      const existing = read.ok ? records.get(read.payload.id) : undefined;
      if (!read.ok || !existing) return undefined;
      const outcome = read.payload.outcome;
      const concluded = outcome !== PostReviewOutcome.Pending && existing.postReviewOutcome === undefined;
      return {
        ...existing,
        reviews: [...existing.reviews, read.payload.review],
        ...(concluded ? { postReviewOutcome: outcome, postReviewedAt: entry.at } : {}),
        status:
          outcome === PostReviewOutcome.Approved && existing.status === BreakGlassStatus.Active
            ? BreakGlassStatus.Approved
            : existing.status,
      };
    }
    case LedgerEventType.BreakGlassExpired: {
      const read = readLedgerPayload(entry.type, entry.data);
      const existing = read.ok ? records.get(read.payload.id) : undefined;
      if (!read.ok || !existing) return undefined;
      return { ...existing, status: BreakGlassStatus.Ended, ended: { ...read.payload, at: entry.at } };
    }
    default:
      return undefined;
  }
}
