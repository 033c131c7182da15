import { ChangeStatus } from '../../src/change/index.js';
import { LedgerEventType, type LedgerEntry } from '../../src/ledger/index.js';
import type { Logger } from '../../src/logging/index.js';
import { silentLogger } from '../../src/logging/index.js';
import type { LedgerProjections } from '../../src/workflow/index.js';
import type { DeliveryDeduper } from '../receiver/delivery-deduper.js';
import { NotificationKind, type Notification, type Notifier } from './notification.js';

/** Options of the approval notifications. */
export interface ApprovalNotificationOptions {
  readonly projections: LedgerProjections;
  readonly notifier: Notifier;
  /** Claims each ledger seq once across every process on one store, so one approval is announced once. */
  readonly claims: DeliveryDeduper;
  readonly logger?: Logger;
}

/** The notification an entry calls for: a change that became approved, or nothing. */
export function approvalNotificationOf(entry: LedgerEntry): Notification | undefined {
  if (entry.type !== LedgerEventType.ChangeStatusChanged || entry.data['status'] !== ChangeStatus.Approved) return undefined;
  const changeKey = String(entry.data['changeKey'] ?? entry.subject);
  return {
    kind: NotificationKind.ChangeApproved,
    subject: entry.subject,
    seq: entry.seq,
    text: `Change ${changeKey} is approved (by ${entry.actor.id}'s review) and can be released.`,
  };
}

/**
 * Announces approvals as they reach the ledger: follows the projections' catch-ups from now on (history before the
 * call is not announced again) and claims each entry's seq before sending. Returns the unsubscribe function.
 */
export function followApprovalNotifications(options: ApprovalNotificationOptions): () => void {
  const logger = options.logger ?? silentLogger;
  const fromSeq = options.projections.lastSeq;
  return options.projections.onEntries((entries) => {
    for (const entry of entries) {
      if (entry.seq <= fromSeq) continue;
      const notification = approvalNotificationOf(entry);
      if (!notification) continue;
      void options.claims
        .claim(`notification:${entry.seq}`)
        .then((first) => (first ? options.notifier.notify(notification) : undefined))
        .catch((error: unknown) => logger.warn({ seq: entry.seq, err: (error as Error).message }, 'approval notification failed'));
    }
  });
}
