import { durationMs } from '../../src/changes/model/index.js';
import type { Policy } from './policy-schema.js';

/** A request to bypass approvals in an emergency. */
export interface BreakGlassRequest {
  readonly actor: string;
  readonly roles: readonly string[];
  readonly incidentReference?: string;
  /** How long the bypass should last, as a duration (e.g. `2h`). */
  readonly duration: string;
  /** When it is requested (ISO-8601). */
  readonly at: string;
}

/** What the policy says about a break-glass request. */
export interface BreakGlassDecision {
  readonly allowed: boolean;
  readonly problems: readonly string[];
  /** When the bypass ends (only when allowed). */
  readonly expiresAt?: string;
  /** When its post-review is due at the latest, counted from the use (only when allowed). */
  readonly postReviewDueBy?: string;
  readonly postReviewRoles: readonly string[];
}

/** Checks a break-glass request against the policy: role, incident reference and maximum duration. Pure. */
export function checkBreakGlass(policy: Policy, request: BreakGlassRequest): BreakGlassDecision {
  const rules = policy.breakGlass;
  const problems: string[] = [];
  if (!request.roles.some((role) => rules.roles.includes(role))) {
    problems.push(`break-glass needs one of the roles ${rules.roles.join(', ')}`);
  }
  if (rules.incidentReferenceRequired && !request.incidentReference?.trim()) {
    problems.push('break-glass needs an incident reference');
  }
  let requested: number | undefined;
  try {
    requested = durationMs(request.duration);
  } catch {
    problems.push(`duration ${request.duration} is not a duration such as 2h`);
  }
  if (requested !== undefined && requested > durationMs(rules.maxDuration)) {
    problems.push(`break-glass lasts at most ${rules.maxDuration}; ${request.duration} was asked for`);
  }
  const start = Date.parse(request.at);
  if (Number.isNaN(start)) problems.push(`at ${request.at} is not a time`);
  if (problems.length > 0 || requested === undefined)
    return { allowed: false, problems, postReviewRoles: rules.postReviewRoles };
  return {
    allowed: true,
    problems,
    expiresAt: new Date(start + requested).toISOString(),
    postReviewDueBy: new Date(start + durationMs(rules.postReviewWithin)).toISOString(),
    postReviewRoles: rules.postReviewRoles,
  };
}
