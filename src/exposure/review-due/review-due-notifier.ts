import type { Notifier } from '../../notify/index.js';
import { NotificationKind } from '../../notify/index.js';
import { LedgerEventType } from '../../ledger/index.js';
import type { LedgerProjection } from '../../projections/index.js';
import { ReviewItemKind } from '../model/index.js';
import { WorkflowContext, type WorkflowDeps } from '../../projections/index.js';
import { noticeKey, type ExposureLedgerState } from '../break-glass/index.js';
import { serviceActor, ServiceActorId } from '../service-actors.js';
import {
  changeReviewDueDates,
  noticeFor,
  reviewDueItems,
  type ReviewDueItem,
  type ReviewDueList,
} from './review-due-items.js';

/** Lists review-due items and notifies people of each one once per notice (recorded as `review-date.notified`). */
export class ReviewDueService {
  private readonly context: WorkflowContext;

  constructor(
    private readonly deps: WorkflowDeps,
    private readonly state: LedgerProjection<ExposureLedgerState>,
    private readonly notifier?: Notifier,
  ) {
    this.context = new WorkflowContext(deps);
  }

  /** What is due at `asOf` (now by default), and with `upcoming` what comes due within the notice window. */
  async list(asOf?: Date, upcoming = false): Promise<ReviewDueList> {
    const at = asOf ?? this.now();
    await this.deps.projections.catchUp();
    const exposure = await this.state.current();
    const { projections } = this.deps;
    const policy = this.deps.policy();
    const changes = [...projections.changes.changes.values()];
    const dueDates = await changeReviewDueDates(changes, (state) => projections.loaded(state), policy);
    const items = reviewDueItems(changes, dueDates, exposure.breakGlass.values(), policy, at, upcoming);
    return { asOf: at.toISOString(), items };
  }

  /**
   * Sends each notice an item is owed and has not had (near, due, overdue), through the Slack-compatible
   * notifier, and records it. Without a notifier nothing is sent or recorded (the list is still served).
   * Returns the notices sent.
   */
  async notifyDue(): Promise<{ item: ReviewDueItem; notice: string }[]> {
    if (!this.notifier) return [];
    const now = this.now();
    const { items } = await this.list(now, true);
    const sent: { item: ReviewDueItem; notice: string }[] = [];
    for (const item of items) {
      const notice = noticeFor(item, this.deps.policy().reviewDates.notifyBefore, now);
      if (!notice) continue;
      const exposure = await this.state.current();
      if (exposure.notified.has(noticeKey(item.kind, item.key, item.dueAt, notice))) continue;
      await this.notifier.notify({
        kind:
          item.kind === ReviewItemKind.BreakGlassPostReview
            ? NotificationKind.BreakGlassPostReviewDue
            : NotificationKind.ReviewDue,
        text: noticeText(item, notice),
        subject: item.key,
      });
      await this.context.append(
        LedgerEventType.ReviewDateNotified,
        serviceActor(ServiceActorId.ReviewDates),
        `review:${item.kind}/${item.key}`,
        {
          itemKind: item.kind,
          itemKey: item.key,
          dueAt: item.dueAt,
          notice,
          owner: item.owner,
          roles: item.roles,
        },
      );
      sent.push({ item, notice });
    }
    return sent;
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}

function noticeText(item: ReviewDueItem, notice: string): string {
  const when =
    notice === 'overdue'
      ? 'is overdue since'
      : notice === 'due'
        ? 'is due since'
        : `is due within ${notice.slice('before:'.length)}, on`;
  return `featgate: review of ${item.title} ${when} ${item.dueAt}. Owner: ${item.owner}${item.roles.length > 0 ? `; roles: ${item.roles.join(', ')}` : ''}. Next step: ${item.action}.`;
}
