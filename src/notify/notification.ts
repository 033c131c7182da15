/** What an outgoing notification is about: every lifecycle event that needs a person. */
export enum NotificationKind {
  /** A change (or an intercepted edit's proposal) waits for reviews from the roles named. */
  AwaitingReview = 'awaiting-review',
  EditReverted = 'edit-reverted',
  /** featgate could not restore the approved configuration in FeatBit: a person must look. */
  RevertFailed = 'revert-failed',
  ProposalOpened = 'proposal-opened',
  ChangeApproved = 'change-approved',
  StageApplied = 'stage-applied',
  ReleaseHeld = 'release-held',
  ReleaseRolledBack = 'release-rolled-back',
  BreakGlassUsed = 'break-glass-used',
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
  /** Roles whose people should hear of it (routing); empty or absent: whoever receives everything. */
  readonly roles?: readonly string[];
}

/** Sends notifications somewhere people look. Implementations never throw: notifying is best effort. */
export interface Notifier {
  notify(notification: Notification): Promise<void>;
}
