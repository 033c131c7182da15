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
}

/** Whether a string names a permission. */
export function isPermission(value: string): value is Permission {
  return (Object.values(Permission) as string[]).includes(value);
}
