import { randomBytes } from 'node:crypto';
import { checkBreakGlass, resolveGovernedFlag, uncoveredRequirements, type Approver } from '../../../policies/index.js';
import {
  ApprovedStateHistory,
  recordApprovedState,
  successorState,
  type ApprovedStateOrigin,
} from '../../approved-state/index.js';
import type { ApprovedFlagState } from '../../approved-state/model/index.js';
import { ReviewDecision } from '../../changes/model/index.js';
import { ConflictError, NotFoundError, PolicyViolationError } from '../../errors/index.js';
import type { FeatBitFlag, RolloutVariation, Variation } from '../../featbit/model/index.js';
import { actorOf, IdentityMapping, Role, type Principal } from '../../identity/index.js';
import { LedgerEventType, type Actor } from '../../ledger/index.js';
import { flagSubject } from '../../ledger-events/index.js';
import { PostReviewOutcome } from '../model/index.js';
import type { LedgerProjection } from '../../projections/index.js';
import { findVariationByValue, newVariation, SwitchedOffFlag, writeFlagConfiguration } from '../../releases/index.js';
import { WorkflowContext, type WorkflowDeps } from '../../projections/index.js';
import type { ReasonRequest } from '../../changes/index.js';
import { serviceActor, ServiceActorId } from '../service-actors.js';
import type { BreakGlassRequest, PostReviewRequest } from './break-glass-request.js';
import { BreakGlassStatus, type BreakGlassRecord, type ExposureLedgerState } from './break-glass-state.js';
import { breakGlassView, type BreakGlassView } from './break-glass-view.js';

/** Ledger subject of a break-glass use: `break-glass:<id>`. */
export function breakGlassSubject(id: string): string {
  return `break-glass:${id}`;
}

/**
 * Emergency changes without prior approval, on the policy's terms:
 * - `use`: a role the policy names applies one value of a governed flag to everyone, with an incident reference
 *   (when the policy requires one) and a duration up to the policy's maximum. FeatBit is written at once and the
 *   emergency configuration becomes the approved state, marked with the use's id (so the webhook bridge does not
 *   revert it and providers serve it, but nothing builds on it), recorded as `break-glass.used` with the approved
 *   state it replaced. One active use per flag: a second use on a flag with an active one is refused (409), so two
 *   overlapping uses can never chain an emergency value into the "state before";
 * - `review`: after the fact, people holding the policy's post-review roles review it (never the person who broke
 *   glass, compared through the identity mapping; with the default separation of duties each post-review role needs
 *   its own approver, counted as distinct people). A concluded post-review ends the use either way: approved means
 *   the emergency was justified, not that its value is approved (keeping it is a change like any other, classified
 *   and reviewed); rejected undoes it at once;
 * - `end`: a break-glass or post-review role (or an admin) ends it by hand once the incident is over;
 * - `expire`: when its duration has passed, featgate ends it.
 * Every exit writes the pre-incident approved state (the last reviewed one, `priorVersion`) back to FeatBit and
 * makes it the approved state again (`break-glass.expired`), never an emergency value.
 */
export class BreakGlassService {
  private readonly context: WorkflowContext;

  constructor(
    private readonly deps: WorkflowDeps,
    private readonly state: LedgerProjection<ExposureLedgerState>,
  ) {
    this.context = new WorkflowContext(deps);
  }

  /** Applies an emergency change; refused with the policy's reasons when the caller may not break glass. */
  async use(principal: Principal, request: BreakGlassRequest): Promise<BreakGlassView> {
    const policy = this.deps.policy();
    const at = this.context.nowIso();
    const decision = checkBreakGlass(policy, {
      actor: principal.id,
      roles: principal.roles,
      ...(request.incidentReference ? { incidentReference: request.incidentReference } : {}),
      duration: request.duration,
      at,
    });
    if (!decision.allowed || !decision.expiresAt || !decision.postReviewDueBy) {
      throw new PolicyViolationError(`break-glass refused: ${decision.problems.join('; ')}`);
    }
    const governance = resolveGovernedFlag(policy, request.environment, { key: request.flagKey });
    if (!governance.governed)
      throw new ConflictError(
        `flag ${request.flagKey} is not governed in ${request.environment} (${governance.reason})`,
      );
    const envId = governance.environment.id;
    const id = newBreakGlassId(at);
    await this.deps.lock.withLocks([flagSubject(envId, request.flagKey), breakGlassSubject(id)], async () => {
      await this.deps.projections.catchUp();
      const active = activeOn(await this.state.current(), envId, request.flagKey);
      if (active) {
        throw new ConflictError(
          `flag ${request.flagKey} is already under break-glass ${active.used.id} (by ${active.usedBy.id}, until ${active.used.expiresAt}); ` +
            'one break-glass per flag: end it (POST /v1/break-glass/{id}/end) before breaking glass again',
        );
      }
      const approved = this.deps.projections.approved(envId, request.flagKey);
      if (!approved)
        throw new ConflictError(
          `flag ${request.flagKey} has no approved state in ${governance.environment.name}; adopt it first`,
        );
      const prior =
        approved.breakGlassId === undefined ? approved : await this.lastReviewedState(envId, request.flagKey);
      const { flag, variation } = emergencyConfiguration(approved.flag, request, id);
      const actor = actorOf(principal);
      await writeFlagConfiguration(
        this.featbit(),
        envId,
        request.flagKey,
        flag,
        `featgate break-glass ${id}${request.incidentReference ? ` (${request.incidentReference})` : ''}: ${request.reason}`,
      );
      const applied = await this.setApproved(actor, prior, flag, principal.id, { breakGlassId: id });
      await this.context.append(LedgerEventType.BreakGlassUsed, actor, breakGlassSubject(id), {
        id,
        envId,
        flagKey: request.flagKey,
        ...(request.incidentReference ? { incidentReference: request.incidentReference } : {}),
        reason: request.reason,
        duration: request.duration,
        servedVariationId: variation.id,
        expiresAt: decision.expiresAt!,
        postReviewDueBy: decision.postReviewDueBy!,
        postReviewRoles: [...decision.postReviewRoles],
        priorVersion: prior.version,
        appliedVersion: applied,
        ...(principal.aliases?.length ? { usedByAliases: [...principal.aliases] } : {}),
      });
    });
    return this.get(id);
  }

  /** Records a post-review; the outcome follows from every review so far, and a concluded one ends the use. */
  async review(principal: Principal, id: string, request: PostReviewRequest): Promise<BreakGlassView> {
    const record = await this.record(id);
    await this.deps.lock.withLocks(
      [flagSubject(record.used.envId, record.used.flagKey), breakGlassSubject(id)],
      async () => {
        const current = await this.record(id);
        const identities = this.context.identities;
        if (identities.personOfPrincipal(principal) === commanderOf(current, identities)) {
          throw new PolicyViolationError(
            `${principal.id} broke glass for ${id} (as ${current.usedBy.id}) and cannot post-review it: separation of duties requires another person`,
          );
        }
        const roles = current.used.postReviewRoles;
        if (!principal.roles.some((role) => roles.includes(role))) {
          throw new PolicyViolationError(
            `the post-review of ${id} is done by ${roles.join(' or ')}; ${principal.id} holds ${principal.roles.join(', ') || 'no roles'}`,
          );
        }
        if (current.postReviewOutcome !== undefined)
          throw new ConflictError(`the post-review of ${id} concluded: ${current.postReviewOutcome}`);
        const review = {
          reviewer: principal.id,
          ...(principal.aliases?.length ? { reviewerAliases: [...principal.aliases] } : {}),
          roles: [...principal.roles],
          decision: request.decision,
          comment: request.comment,
          at: this.context.nowIso(),
        };
        const outcome = postReviewOutcome(
          [...current.reviews, review],
          commanderIdentities(current),
          roles,
          this.deps.policy().separationOfDuties.onePersonMayFillSeveralRoles,
          identities,
        );
        await this.context.append(LedgerEventType.BreakGlassReviewed, actorOf(principal), breakGlassSubject(id), {
          id,
          review,
          outcome,
        });
        if (outcome === PostReviewOutcome.Pending) return;
        const reason =
          outcome === PostReviewOutcome.Rejected
            ? `rejected in post-review by ${principal.id}: ${request.comment}`
            : `post-review approved (the emergency was justified; its value is not approved by it)`;
        await this.endLocked(id, reason, true);
      },
    );
    return this.get(id);
  }

  /** Ends an active break-glass use by hand (the incident is over): the pre-incident approved state comes back. */
  async end(principal: Principal, id: string, request: ReasonRequest): Promise<BreakGlassView> {
    const record = await this.record(id);
    const policy = this.deps.policy();
    const allowed = [...policy.breakGlass.roles, ...record.used.postReviewRoles, Role.Admin];
    if (!principal.roles.some((role) => allowed.includes(role))) {
      throw new PolicyViolationError(
        `break-glass ${id} is ended by ${[...new Set(allowed)].join(' or ')}; ${principal.id} holds ${principal.roles.join(', ') || 'no roles'}`,
      );
    }
    if (record.status === BreakGlassStatus.Ended) throw new ConflictError(`break-glass ${id} has ended already`);
    await this.deps.lock.withLocks([flagSubject(record.used.envId, record.used.flagKey), breakGlassSubject(id)], () =>
      this.endLocked(id, `ended by ${principal.id}: ${request.reason}`, true),
    );
    return this.get(id);
  }

  /**
   * Ends an active break-glass use whose time has passed; a no-op for any other (so the scheduler may call it more
   * than once, from any process).
   */
  async expire(id: string): Promise<void> {
    const record = await this.record(id);
    await this.deps.lock.withLocks([flagSubject(record.used.envId, record.used.flagKey), breakGlassSubject(id)], () =>
      this.endLocked(id, 'expired', false),
    );
  }

  /** Every break-glass use, newest first. */
  async list(): Promise<BreakGlassView[]> {
    const state = await this.state.current();
    const now = this.now();
    return [...state.breakGlass.values()].sort((a, b) => b.seq - a.seq).map((record) => breakGlassView(record, now));
  }

  /** One break-glass use. */
  async get(id: string): Promise<BreakGlassView> {
    return breakGlassView(await this.record(id), this.now());
  }

  /**
   * The exit of a use, under its locks: the pre-incident approved state (`priorVersion`) is written back to FeatBit
   * and approved again, whatever emergency or accepted-narrowing state is approved now. Only a state no break-glass
   * produced (which nothing writes while a use is active) is left as it is.
   */
  private async endLocked(id: string, reason: string, force: boolean): Promise<void> {
    const current = await this.record(id);
    const { envId, flagKey } = current.used;
    if (current.status === BreakGlassStatus.Ended) return;
    if (!force && this.now().getTime() < Date.parse(current.used.expiresAt)) return;
    await this.deps.projections.catchUp();
    const actor = serviceActor(ServiceActorId.BreakGlass);
    const approved = this.deps.projections.approved(envId, flagKey);
    if (!approved || approved.breakGlassId !== id) {
      await this.context.append(LedgerEventType.BreakGlassExpired, actor, breakGlassSubject(id), {
        id,
        reason: `${reason}; the approved state of ${flagKey} is no longer this break-glass's (version ${approved?.version ?? 'none'}), so it was left as it is`,
        restored: false,
      });
      return;
    }
    const prior = await this.approvedStateAt(current.used.priorVersion);
    await writeFlagConfiguration(
      this.featbit(),
      envId,
      flagKey,
      prior.flag,
      `featgate break-glass ${id} ended: ${reason}`,
      SwitchedOffFlag.KeepOff,
    );
    const restoredVersion = await this.setApproved(actor, prior, prior.flag, ServiceActorId.BreakGlass, {
      changeKey: prior.changeKey,
      stageIndex: prior.stageIndex,
    });
    await this.context.append(LedgerEventType.BreakGlassExpired, actor, breakGlassSubject(id), {
      id,
      reason,
      restored: true,
      restoredVersion,
    });
  }

  private async record(id: string): Promise<BreakGlassRecord> {
    const state = await this.state.current();
    const record = state.breakGlass.get(id);
    if (!record) throw new NotFoundError(`no break-glass use ${id}`);
    return record;
  }

  private async approvedStateAt(seq: number): Promise<ApprovedFlagState> {
    const state = await new ApprovedStateHistory(this.deps.ledger).at(seq);
    if (!state)
      throw new ConflictError(`ledger entry ${seq} is not an approved state; the prior state cannot be restored`);
    return state;
  }

  /** The newest approved state of a flag that no break-glass produced: what an emergency chain must come back to. */
  private async lastReviewedState(envId: string, flagKey: string): Promise<ApprovedFlagState> {
    let reviewed: ApprovedFlagState | undefined;
    for await (const state of new ApprovedStateHistory(this.deps.ledger).of(envId, flagKey)) {
      if (state.breakGlassId === undefined) reviewed = state;
    }
    if (!reviewed)
      throw new ConflictError(`flag ${flagKey} has no reviewed approved state to come back to; adopt it first`);
    return reviewed;
  }

  private async setApproved(
    actor: Actor,
    previous: ApprovedFlagState,
    flag: FeatBitFlag,
    approvedBy: string,
    origin: ApprovedStateOrigin,
  ): Promise<number> {
    const state = successorState(previous, { flag, origin, approvedAt: this.context.nowIso(), approvedBy });
    const entry = await recordApprovedState(this.deps.ledger, { type: LedgerEventType.ApprovedStateSet, actor, state });
    return entry.seq;
  }

  private featbit() {
    const featbit = this.deps.featbit;
    if (!featbit)
      throw new ConflictError(
        'FeatBit is not configured (FEATBIT_API_URL, FEATBIT_ACCESS_TOKEN); break-glass cannot write it',
      );
    return featbit;
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}

/** The active break-glass use of a flag, if any (there is at most one). */
export function activeOn(state: ExposureLedgerState, envId: string, flagKey: string): BreakGlassRecord | undefined {
  for (const record of state.breakGlass.values()) {
    if (record.status !== BreakGlassStatus.Ended && record.used.envId === envId && record.used.flagKey === flagKey)
      return record;
  }
  return undefined;
}

/** Every identity the person who broke glass acted with (the principal id and its aliases). */
function commanderIdentities(record: BreakGlassRecord): { id: string; aliases?: readonly string[] } {
  return { id: record.usedBy.id, ...(record.used.usedByAliases ? { aliases: record.used.usedByAliases } : {}) };
}

/** The person who broke glass, through the identity mapping. */
function commanderOf(record: BreakGlassRecord, identities: IdentityMapping): string {
  return identities.personOfPrincipal(commanderIdentities(record));
}

/** The approved configuration with one variation served to everyone (individual targets dropped). */
export function emergencyConfiguration(
  approved: FeatBitFlag,
  request: BreakGlassRequest,
  id: string,
): { flag: FeatBitFlag; variation: Variation } {
  let variation: Variation | undefined;
  let variations = approved.variations;
  if ('variationId' in request.serve) {
    const wanted = request.serve.variationId;
    variation = approved.variations.find((candidate) => candidate.id === wanted);
    if (!variation) throw new ConflictError(`flag ${approved.key} has no variation ${wanted}`);
  } else {
    variation = findVariationByValue(approved, request.serve.value);
    if (!variation) {
      variation = newVariation(approved, request.serve.value, id);
      variations = [...approved.variations, variation];
    }
  }
  const everyone: RolloutVariation[] = [{ id: variation.id, rollout: [0, 1], exptRollout: 1 }];
  return {
    variation,
    flag: {
      ...approved,
      variations,
      targetUsers: [],
      rules: approved.rules.map((rule) => ({ ...rule, variations: everyone })),
      fallthrough: { ...approved.fallthrough, variations: everyone },
    },
  };
}

/**
 * Where a post-review stands: rejected when any reviewer's latest review rejects; approved when every post-review
 * role is covered by a distinct approver other than the person who broke glass (one approver per role unless the
 * policy lets one person fill several); pending otherwise. People, not identities, are counted: the identity
 * mapping ties a person's e-mails, OIDC subjects and token names together, so an alias of the commander never
 * counts and one person reviewing under two names is one approver.
 */
export function postReviewOutcome(
  reviews: readonly {
    reviewer: string;
    /** As the ledger payload schema reads it back: present as undefined is absent. */
    reviewerAliases?: readonly string[] | undefined;
    roles: readonly string[];
    decision: ReviewDecision;
  }[],
  usedBy: { readonly id: string; readonly aliases?: readonly string[] },
  roles: readonly string[],
  onePersonMayFillSeveralRoles: boolean,
  identities: IdentityMapping = new IdentityMapping(),
): PostReviewOutcome {
  const commander = identities.personOfPrincipal(usedBy);
  const latest = new Map<string, Approver>();
  const decisions = new Map<string, ReviewDecision>();
  for (const review of reviews) {
    const person = identities.personOfPrincipal({
      id: review.reviewer,
      ...(review.reviewerAliases ? { aliases: review.reviewerAliases } : {}),
    });
    if (person === commander) continue;
    latest.set(person, { reviewer: person, roles: review.roles });
    decisions.set(person, review.decision);
  }
  if ([...decisions.values()].some((decision) => decision === ReviewDecision.Reject)) return PostReviewOutcome.Rejected;
  const approvers = [...latest.values()].filter(
    (approver) => decisions.get(approver.reviewer) === ReviewDecision.Approve,
  );
  const requirements = roles.map((role) => ({ anyOf: [role], reasons: [`break-glass post-review by ${role}`] }));
  return uncoveredRequirements(requirements, approvers, onePersonMayFillSeveralRoles).length === 0
    ? PostReviewOutcome.Approved
    : PostReviewOutcome.Pending;
}

function newBreakGlassId(at: string): string {
  return `bg-${at.slice(0, 10).replaceAll('-', '')}-${randomBytes(4).toString('hex')}`;
}
