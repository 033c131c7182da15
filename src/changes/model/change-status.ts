/** Where a change record is in its life; the change-records projection derives it from ledger entries. */
export enum ChangeStatus {
  /** Open for review. */
  Proposed = 'proposed',
  /** Every required approval and evidence item is in; ready for its first release stage. */
  Approved = 'approved',
  /** A reviewer rejected it; it needs an edit (which resets approvals) to be reviewed again. */
  Rejected = 'rejected',
  /** At least one release stage is applied and the candidate is being ramped. */
  Releasing = 'releasing',
  /** Ramping is paused, by a person or a guardrail. */
  Held = 'held',
  /** The candidate was withdrawn from exposure and the rollback value restored. */
  RolledBack = 'rolled-back',
  /** Every stage is applied; the candidate is the new approved state. */
  Completed = 'completed',
  /** The requester or an admin closed it without releasing. */
  Withdrawn = 'withdrawn',
}
