/** Everything the service lets a caller do; roles map to sets of these. Values are stable config strings. */
export enum Permission {
  ChangeRead = 'change:read',
  ChangeCreate = 'change:create',
  ChangeEdit = 'change:edit',
  ReviewSubmit = 'review:submit',
  EvidenceAttach = 'evidence:attach',
  ReleaseApply = 'release:apply',
  ReleaseHold = 'release:hold',
  ReleaseResume = 'release:resume',
  ReleaseRollback = 'release:rollback',
  FlagAdopt = 'flag:adopt',
  AuditRead = 'audit:read',
  AuditVerify = 'audit:verify',
  /** Report guardrail metric values for an exposed change. */
  SignalRecord = 'signal:record',
  /** Ask for an emergency change (the policy's break-glass roles decide who may). */
  BreakGlassUse = 'break-glass:use',
  /** Post-review an emergency change (the policy's post-review roles decide who may). */
  BreakGlassReview = 'break-glass:review',
}

/** Whether a string names a permission. */
export function isPermission(value: string): value is Permission {
  return (Object.values(Permission) as string[]).includes(value);
}
