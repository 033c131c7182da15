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
}

const READ = [Permission.ChangeRead];

/**
 * Default role → permissions. Requesters open and edit changes and attach evidence; reviewers and security
 * review; release owners review rollout expansions and run releases; auditors read and verify the ledger; the
 * service role is for CI that opens changes and attaches evidence; admins can do everything, including adopting
 * FeatBit state as a baseline. Whatever the role, separation of duties is checked per request by the workflow.
 */
export const DEFAULT_ROLE_PERMISSIONS: Readonly<Record<string, readonly Permission[]>> = {
  [Role.Requester]: [...READ, Permission.ChangeCreate, Permission.ChangeEdit, Permission.EvidenceAttach],
  [Role.Reviewer]: [...READ, Permission.ReviewSubmit, Permission.EvidenceAttach],
  [Role.Security]: [...READ, Permission.ReviewSubmit, Permission.EvidenceAttach, Permission.AuditRead],
  [Role.ReleaseOwner]: [
    ...READ,
    Permission.ReviewSubmit,
    Permission.ReleaseApply,
    Permission.ReleaseHold,
    Permission.ReleaseResume,
    Permission.ReleaseRollback,
  ],
  [Role.Admin]: Object.values(Permission),
  [Role.Auditor]: [...READ, Permission.AuditRead, Permission.AuditVerify],
  [Role.Service]: [...READ, Permission.ChangeCreate, Permission.ChangeEdit, Permission.EvidenceAttach],
};
