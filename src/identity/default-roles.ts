import { Permission } from './permission.js';

/**
 * Role names the default mapping knows. They are spelt as the policy pack spells its roles (`security`,
 * `releaseOwner`), because review roles are matched against the policy's required roles by name.
 */
export enum Role {
  Requester = 'requester',
  Reviewer = 'reviewer',
  Security = 'security',
  ReleaseOwner = 'releaseOwner',
  Admin = 'admin',
  Auditor = 'auditor',
  Service = 'service',
  IncidentCommander = 'incidentCommander',
}

const READ = [Permission.ChangeRead];

/**
 * Default role → permissions. Requesters open and edit changes and attach evidence; reviewers and security
 * review; release owners review rollout expansions and run releases; auditors read and verify the ledger; the
 * service role is for CI (and monitoring) that opens changes, attaches evidence and reports guardrail signals;
 * incident commanders may ask for break-glass (the policy decides) and hold or roll back; admins can do
 * everything, including adopting FeatBit state as a baseline. Break-glass post-review is open to reviewer roles;
 * the policy's post-review roles decide who counts. Whatever the role, separation of duties is checked per request by the workflow.
 */
export const DEFAULT_ROLE_PERMISSIONS: Readonly<Record<string, readonly Permission[]>> = {
  [Role.Requester]: [...READ, Permission.ChangeCreate, Permission.ChangeEdit, Permission.EvidenceAttach],
  [Role.Reviewer]: [...READ, Permission.ReviewSubmit, Permission.EvidenceAttach, Permission.BreakGlassReview],
  [Role.Security]: [
    ...READ,
    Permission.ReviewSubmit,
    Permission.EvidenceAttach,
    Permission.AuditRead,
    Permission.BreakGlassReview,
  ],
  [Role.ReleaseOwner]: [
    ...READ,
    Permission.ReviewSubmit,
    Permission.ReleaseApply,
    Permission.ReleaseHold,
    Permission.ReleaseResume,
    Permission.ReleaseRollback,
    Permission.SignalRecord,
    Permission.BreakGlassReview,
  ],
  [Role.IncidentCommander]: [
    ...READ,
    Permission.ReviewSubmit,
    Permission.EvidenceAttach,
    Permission.BreakGlassUse,
    Permission.ReleaseHold,
    Permission.ReleaseRollback,
    Permission.SignalRecord,
  ],
  [Role.Admin]: Object.values(Permission),
  [Role.Auditor]: [...READ, Permission.AuditRead, Permission.AuditVerify],
  [Role.Service]: [
    ...READ,
    Permission.ChangeCreate,
    Permission.ChangeEdit,
    Permission.EvidenceAttach,
    Permission.SignalRecord,
  ],
};
