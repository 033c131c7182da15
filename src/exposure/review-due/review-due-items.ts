import { z } from 'zod';
import { evaluate, type Policy } from '../../../policies/index.js';
import { ChangeStatus, CleanupKind, durationMs } from '../../changes/model/index.js';
import { ReviewItemKind } from '../model/index.js';
import type { ChangeRecordFields, ChangeRecordState, LoadedChangeRecordState } from '../../changes/projection/index.js';
import { BreakGlassStatus, type BreakGlassRecord } from '../break-glass/index.js';

/** Statuses whose configuration is approved or live, so its review date matters. */
const REVIEWED: ReadonlySet<ChangeStatus> = new Set([
  ChangeStatus.Approved,
  ChangeStatus.Releasing,
  ChangeStatus.Held,
  ChangeStatus.Completed,
]);

/** What the review-due list reads of a change: its key, status and record fields (an outline will do). */
export type ReviewedChange = Pick<ChangeRecordState, 'key' | 'status'> & { readonly record: ChangeRecordFields };

/** One thing whose review is due (or soon due). */
export const reviewDueItemSchema = z.object({
  kind: z.enum(ReviewItemKind),
  /** Change key, `<changeKey>/<flagKey>` for a temporary flag, or the break-glass id. */
  key: z.string(),
  title: z.string(),
  /** Who answers for it: the change owner, or the person who broke glass. */
  owner: z.string(),
  /** Roles told besides the owner. */
  roles: z.array(z.string()),
  dueAt: z.string(),
  overdue: z.boolean(),
  /** What is expected, in words. */
  action: z.string(),
});
export type ReviewDueItem = z.infer<typeof reviewDueItemSchema>;

/** Answer of `GET /v1/review-due`. */
export const reviewDueListSchema = z.object({ asOf: z.string(), items: z.array(reviewDueItemSchema) });
export type ReviewDueList = z.infer<typeof reviewDueListSchema>;

/** Query of `GET /v1/review-due`. */
export const reviewDueQuerySchema = z.strictObject({
  /** The time to judge at; now when absent. */
  asOf: z.iso.datetime({ offset: true }).optional(),
  /** Also list items within the policy's largest `notifyBefore` of their date. */
  upcoming: z.enum(['true', 'false']).optional(),
});
export type ReviewDueQuery = z.infer<typeof reviewDueQuerySchema>;

/**
 * What is due for review at `asOf` (`dueDates` by change key, from `changeReviewDueDates`):
 * - a durable change (approved, releasing, held or completed) past its review date: the record's
 *   `cleanup.reviewDate`, else its creation plus the tier's `reviewAfter`; its owner is the named owner of the
 *   control (the record requires one) and answers for the review;
 * - each flag of a temporary change past that date, to be cleaned up;
 * - a break-glass use whose post-review is not concluded and whose post-review deadline has passed.
 * With `upcoming`, items due within the policy's largest `notifyBefore` are listed too (not overdue).
 */
export function reviewDueItems(
  changes: Iterable<ReviewedChange>,
  dueDates: ReadonlyMap<string, string>,
  breakGlass: Iterable<BreakGlassRecord>,
  policy: Policy,
  asOf: Date,
  upcoming = false,
): ReviewDueItem[] {
  const horizon = asOf.getTime() + (upcoming ? Math.max(0, ...policy.reviewDates.notifyBefore.map(durationMs)) : 0);
  const items: ReviewDueItem[] = [];
  for (const state of changes) {
    const dueAt = dueDates.get(state.key);
    if (!REVIEWED.has(state.status) || dueAt === undefined) continue;
    if (Date.parse(dueAt) > horizon) continue;
    const overdue = Date.parse(dueAt) <= asOf.getTime();
    const roles = [...policy.reviewDates.notifyRoles];
    const owner = state.record.owner;
    if (state.record.cleanup.kind === CleanupKind.Temporary) {
      for (const flag of state.record.flags) {
        items.push({
          kind: ReviewItemKind.TemporaryFlag,
          key: `${state.key}/${flag.key}`,
          title: `${flag.key} (temporary, from ${state.key}: ${state.record.title})`,
          owner,
          roles,
          dueAt,
          overdue,
          action: `remove the temporary flag ${flag.key} or open a change that makes it durable`,
        });
      }
    } else {
      items.push({
        kind: ReviewItemKind.Change,
        key: state.key,
        title: state.record.title,
        owner,
        roles,
        dueAt,
        overdue,
        action: `review ${state.key} and confirm or change it`,
      });
    }
  }
  for (const record of breakGlass) {
    if (record.postReviewOutcome !== undefined) continue;
    const dueAt = record.used.postReviewDueBy;
    if (Date.parse(dueAt) > horizon) continue;
    items.push({
      kind: ReviewItemKind.BreakGlassPostReview,
      key: record.used.id,
      title: `break-glass on ${record.used.flagKey}${record.used.incidentReference ? ` (${record.used.incidentReference})` : ''}${record.status === BreakGlassStatus.Ended ? ', already ended' : ''}`,
      owner: record.usedBy.id,
      roles: [...record.used.postReviewRoles],
      dueAt,
      overdue: Date.parse(dueAt) <= asOf.getTime(),
      action: `post-review break-glass ${record.used.id} (roles ${record.used.postReviewRoles.join(', ')})`,
    });
  }
  return items.sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.key.localeCompare(b.key));
}

/**
 * When each reviewed change's review is due, by change key: the record's review date, else one from the tier of
 * the full record, read back one change at a time (so at most one record beyond the projection's LRU is in memory).
 */
export async function changeReviewDueDates<S extends ReviewedChange>(
  changes: Iterable<S>,
  load: (state: S) => Promise<LoadedChangeRecordState>,
  policy: Policy,
): Promise<Map<string, string>> {
  const dates = new Map<string, string>();
  for (const state of [...changes]) {
    if (!REVIEWED.has(state.status)) continue;
    // a record that names its review date needs no classification, so no read of the full record
    const named = state.record.cleanup.reviewDate;
    dates.set(state.key, named === undefined ? changeReviewDueAt(await load(state), policy) : `${named}T00:00:00.000Z`);
  }
  return dates;
}

/** When a change's review is due: its review date (start of that day, UTC), else its creation plus the tier's offset. */
export function changeReviewDueAt(state: LoadedChangeRecordState, policy: Policy): string {
  const date = state.record.cleanup.reviewDate ?? evaluate(state.record, policy, { now: state.createdAt }).reviewDate!;
  return `${date}T00:00:00.000Z`;
}

/**
 * The notice an item is owed at `now`: `overdue`/`due` once its time has passed (`overdue` for break-glass
 * post-reviews, which are deadlines), else `before:<d>` for the smallest `notifyBefore` whose window has begun,
 * else none.
 */
export function noticeFor(item: ReviewDueItem, notifyBefore: readonly string[], now: Date): string | undefined {
  const due = Date.parse(item.dueAt);
  if (now.getTime() >= due) return item.kind === ReviewItemKind.BreakGlassPostReview ? 'overdue' : 'due';
  const open = [...notifyBefore]
    .filter((before) => now.getTime() >= due - durationMs(before))
    .sort((a, b) => durationMs(a) - durationMs(b));
  return open[0] ? `before:${open[0]}` : undefined;
}
