import { ChangeStatus } from './model/index.js';
import { LedgerEventType, type LedgerEntry } from '../ledger/index.js';
import type { Logger } from '../logging/index.js';
import { silentLogger } from '../logging/index.js';
import { NotificationKind, type Notification, type Notifier } from '../notify/index.js';

/** Claims a key once across every process on one store (so one ledger entry is announced once). */
export interface NotificationClaims {
  claim(key: string): Promise<boolean>;
}

/** What the lifecycle notifications read: the ledger as the projections follow it. */
export interface LedgerFollower {
  /** Seq of the newest entry folded so far. */
  readonly lastSeq: number;
  /** Calls `listener` with each batch of entries as they are folded; returns the unsubscribe function. */
  onEntries(listener: (entries: readonly LedgerEntry[]) => void): () => void;
}

/** Roles whose approval a change still needs (empty when it needs none), to tell exactly who is waited for. */
export type PendingRoles = (changeKey: string) => Promise<readonly string[]>;

/** Options of the lifecycle notifications. */
export interface LifecycleNotificationOptions {
  readonly ledger: LedgerFollower;
  readonly notifier: Notifier;
  readonly claims: NotificationClaims;
  readonly pendingRoles: PendingRoles;
  readonly logger?: Logger;
}

const RELEASE_ROLES = ['releaseOwner'];

/**
 * The notification a ledger entry calls for, or undefined: a change waiting for review (to the roles it still needs),
 * approved, a stage applied, a release held or rolled back, break-glass used (to its post-review roles, with the due
 * date). Reverts and proposals are announced by the bridge when it acts.
 */
export async function lifecycleNotificationOf(
  entry: LedgerEntry,
  pendingRoles: PendingRoles,
): Promise<Notification | undefined> {
  const data = entry.data as Record<string, unknown>;
  const changeKey = String(data['changeKey'] ?? entry.subject.replace(/^change:/, ''));
  const base = { subject: entry.subject, seq: entry.seq };
  switch (entry.type) {
    case LedgerEventType.ChangeClassified: {
      const roles = await pendingRoles(changeKey);
      if (roles.length === 0) return undefined;
      return {
        ...base,
        kind: NotificationKind.AwaitingReview,
        roles,
        text: `Change ${changeKey} (${String(data['tier'])} tier) waits for review by ${roles.join(', ')}.`,
      };
    }
    case LedgerEventType.ChangeStatusChanged:
      if (data['status'] !== ChangeStatus.Approved) return undefined;
      return {
        ...base,
        kind: NotificationKind.ChangeApproved,
        roles: RELEASE_ROLES,
        text: `Change ${changeKey} is approved (by ${entry.actor.id}'s review) and can be released.`,
      };
    case LedgerEventType.StageApplied:
      return {
        ...base,
        kind: NotificationKind.StageApplied,
        roles: RELEASE_ROLES,
        text: `Change ${changeKey}: stage ${Number(data['stageIndex']) + 1} is live at ${String(data['percentage'])}% (by ${entry.actor.id}).`,
      };
    case LedgerEventType.ReleaseHeld:
      return {
        ...base,
        kind: NotificationKind.ReleaseHeld,
        roles: RELEASE_ROLES,
        text: `Change ${changeKey} is held: ${String(data['reason'])}.`,
      };
    case LedgerEventType.ReleaseRolledBack:
      return {
        ...base,
        kind: NotificationKind.ReleaseRolledBack,
        roles: [...RELEASE_ROLES, 'incidentCommander'],
        text: `Change ${changeKey} was rolled back: ${String(data['reason'])}.`,
      };
    case LedgerEventType.BreakGlassUsed: {
      const roles = Array.isArray(data['postReviewRoles']) ? (data['postReviewRoles'] as string[]) : [];
      return {
        ...base,
        kind: NotificationKind.BreakGlassUsed,
        roles: [...roles, 'incidentCommander'],
        text: `Break-glass ${String(data['id'])} by ${entry.actor.id} on ${String(data['flagKey'])}: ${String(data['reason'])}. It expires at ${String(data['expiresAt'])}; post-review by ${roles.join(', ')} is due by ${String(data['postReviewDueBy'])}.`,
      };
    }
    default:
      return undefined;
  }
}

/**
 * Announces lifecycle events as they reach the ledger: follows the ledger from now on (history before the call is not
 * announced again) and claims each entry's seq before sending, so processes sharing a store announce it once.
 * Returns the unsubscribe function.
 */
export function followLifecycleNotifications(options: LifecycleNotificationOptions): () => void {
  const logger = options.logger ?? silentLogger;
  const fromSeq = options.ledger.lastSeq;
  return options.ledger.onEntries((entries) => {
    for (const entry of entries) {
      if (entry.seq <= fromSeq) continue;
      void lifecycleNotificationOf(entry, options.pendingRoles)
        .then(async (notification) => {
          if (!notification) return;
          if (await options.claims.claim(`notification:${entry.seq}`)) await options.notifier.notify(notification);
        })
        .catch((error: unknown) =>
          logger.warn({ seq: entry.seq, err: (error as Error).message }, 'lifecycle notification failed'),
        );
    }
  });
}
