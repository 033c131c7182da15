import { ChangeStatus } from '../changes/model/index.js';
import { Permission, Role, type Principal } from '../identity/index.js';
import type { ChangeView } from '../changes/index.js';

/** Whether the viewer may take one action now and, when not, the reason the API would refuse it with. */
export interface ActionState {
  readonly allowed: boolean;
  readonly reason: string | null;
}

/** Every decision the console offers on a change, judged for one viewer. */
export interface ChangeActions {
  readonly review: ActionState;
  readonly attachEvidence: ActionState;
  /** Closing a change not yet released (its requester or an admin). */
  readonly withdraw: ActionState;
  readonly applyStage: ActionState;
  readonly hold: ActionState;
  readonly resume: ActionState;
  readonly rollback: ActionState;
}

const NO_EVIDENCE: ReadonlySet<string> = new Set([
  ChangeStatus.Completed,
  ChangeStatus.RolledBack,
  ChangeStatus.Withdrawn,
]);
const ROLLBACK_FROM: ReadonlySet<string> = new Set([
  ChangeStatus.Approved,
  ChangeStatus.Releasing,
  ChangeStatus.Held,
  ChangeStatus.Completed,
]);

const allowed: ActionState = { allowed: true, reason: null };
const refused = (reason: string): ActionState => ({ allowed: false, reason });

/** The API router's refusal of a caller without `permission`, word for word. */
function lacks(principal: Principal, permission: Permission): ActionState | undefined {
  if (principal.permissions.has(permission)) return undefined;
  const roles = principal.roles.length > 0 ? principal.roles.join(', ') : 'no roles';
  return refused(`${principal.id} (${roles}) lacks the permission ${permission}`);
}

interface ExposureRequirements {
  readonly rampRoles?: readonly string[];
  readonly requesterMayRamp?: boolean;
}

/**
 * What the viewer may do with a change, and why not, in the words the API answers a refused request with (the
 * console disables a button and shows this reason; the API still decides every request it is sent). Reviews and
 * withdrawals take the workflow's own answer (`workflowRefusals`: authors through the identity mapping, status);
 * the release checks follow the workflow's order: permission, status, ramp roles. A stage can still be
 * refused for what only the attempt can see (minimum duration, guardrails); the console then shows that answer.
 */
export function changeActions(
  view: ChangeView,
  principal: Principal,
  workflowRefusals: { review?: string; withdraw?: string },
): ChangeActions {
  const { key, status } = view;
  const exposure = (view.requirements.exposure ?? {}) as ExposureRequirements;
  const requester = view.record.requester;
  const workflow = (reason: string | undefined): ActionState => (reason ? refused(reason) : allowed);
  const review = lacks(principal, Permission.ReviewSubmit) ?? workflow(workflowRefusals.review);
  const attachEvidence =
    lacks(principal, Permission.EvidenceAttach) ??
    (NO_EVIDENCE.has(status) ? refused(`change ${key} is ${status}; it takes no more evidence`) : allowed);
  const withdraw = lacks(principal, Permission.ChangeEdit) ?? workflow(workflowRefusals.withdraw);
  return {
    review,
    attachEvidence,
    withdraw,
    applyStage: applyStageState(view, principal, exposure, requester),
    hold: holdState(view, principal),
    resume: resumeState(view, principal),
    rollback: rollbackState(view, principal),
  };
}

function applyStageState(
  view: ChangeView,
  principal: Principal,
  exposure: ExposureRequirements,
  requester: string,
): ActionState {
  const { key, status } = view;
  const denied = lacks(principal, Permission.ReleaseApply);
  if (denied) return denied;
  if (status === ChangeStatus.Held)
    return refused(
      `the release of ${key} is held (${view.release.statusReason ?? 'no reason given'}); resume it before ramping`,
    );
  if (status !== ChangeStatus.Approved && status !== ChangeStatus.Releasing)
    return refused(`change ${key} is ${status}; only approved changes are released`);
  if (view.decision.status !== 'approved')
    return refused(`change ${key} is not approved: ${view.decision.reasons.join('; ')}`);
  const rampRoles = exposure.rampRoles ?? [];
  if (rampRoles.length > 0 && !principal.roles.some((role) => rampRoles.includes(role) || role === Role.Admin)) {
    return refused(
      `the ${view.tier} tier is ramped by ${rampRoles.join(' or ')}; ${principal.id} holds ${principal.roles.join(', ') || 'no roles'}`,
    );
  }
  if (exposure.requesterMayRamp === false && principal.id === requester) {
    return refused(
      `${principal.id} requested ${key} and may not ramp it: the ${view.tier} tier needs another person to apply its stages`,
    );
  }
  const next = (view.release.stageIndex ?? -1) + 1;
  if (next >= view.release.stageCount) return refused(`every stage of ${key} is applied`);
  return allowed;
}

function holdState(view: ChangeView, principal: Principal): ActionState {
  return (
    lacks(principal, Permission.ReleaseHold) ??
    (view.status === ChangeStatus.Releasing
      ? allowed
      : refused(`change ${view.key} is ${view.status}; only a releasing change can be held`))
  );
}

function resumeState(view: ChangeView, principal: Principal): ActionState {
  return (
    lacks(principal, Permission.ReleaseResume) ??
    (view.status === ChangeStatus.Held
      ? allowed
      : refused(`change ${view.key} is ${view.status}; only a held release can be resumed`))
  );
}

function rollbackState(view: ChangeView, principal: Principal): ActionState {
  return (
    lacks(principal, Permission.ReleaseRollback) ??
    (ROLLBACK_FROM.has(view.status)
      ? allowed
      : refused(`change ${view.key} is ${view.status}; there is nothing to roll back`))
  );
}
