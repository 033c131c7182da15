/** What an outgoing notification is about. */
export enum NotificationKind {
  EditReverted = 'edit-reverted',
  ProposalOpened = 'proposal-opened',
  ChangeApproved = 'change-approved',
  /** A change or temporary flag is near or past its review date. */
  ReviewDue = 'review-due',
  /** A break-glass change's post-review is overdue. */
  BreakGlassPostReviewDue = 'break-glass-post-review-due',
}

/** One message for people: a short text plus the facts it was built from. */
export interface Notification {
  readonly kind: NotificationKind;
  readonly text: string;
  readonly subject: string;
  /** Ledger seq of the entry the notification reports, so receivers can find the record. */
  readonly seq?: number;
}

/** Sends notifications somewhere people look. Implementations never throw: notifying is best effort. */
export interface Notifier {
  notify(notification: Notification): Promise<void>;
}
