import { randomBytes } from 'node:crypto';
import { checkBreakGlass, resolveGovernedFlag, uncoveredRequirements, type Approver } from '../../../policies/index.js';
import type { ApprovedFlagState } from '../../approved-state/index.js';
import { ReviewDecision } from '../../change/index.js';
import { ConflictError, NotFoundError, PolicyViolationError } from '../../errors/index.js';
import type { FeatBitFlag, RolloutVariation, Variation } from '../../featbit/model/index.js';
import { actorOf, type Principal } from '../../identity/index.js';
import { LedgerEventType, type Actor } from '../../ledger/index.js';
import { flagSubject, PostReviewOutcome, readLedgerPayload, type LedgerProjection } from '../../projections/index.js';
import { findVariationByValue, newVariation, SwitchedOffFlag, WorkflowContext, writeFlagConfiguration, type WorkflowDeps } from '../../workflow/index.js';
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
 *   emergency configuration becomes the approved state (so the webhook bridge does not revert it and providers
 *   serve it), recorded as `break-glass.used` with the approved state it replaced;
 * - `review`: after the fact, people holding the policy's post-review roles review it (never the person who
 *   broke glass; with the default separation of duties each post-review role needs its own approver). Approved:
 *   it stays for good. Rejected: it is undone at once;
 * - `expire`: when its duration has passed without post-approval, featgate writes the replaced approved state
 *   back to FeatBit and makes it the approved state again (`break-glass.expired`). If the approved state moved on
 *   meanwhile (another approval), nothing is overwritten and the entry says so.
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
    if (!governance.governed) throw new ConflictError(`flag ${request.flagKey} is not governed in ${request.environment} (${governance.reason})`);
    const envId = governance.environment.id;
    const id = newBreakGlassId(at);
    await this.deps.lock.withLocks([flagSubject(envId, request.flagKey), breakGlassSubject(id)], async () => {
      await this.deps.projections.catchUp();
      const prior = this.deps.projections.approved(envId, request.flagKey);
      if (!prior) throw new ConflictError(`flag ${request.flagKey} has no approved state in ${governance.environment.name}; adopt it first`);
      const { flag, variation } = emergencyConfiguration(prior.flag, request, id);
      const actor = actorOf(principal);
      await writeFlagConfiguration(this.featbit(), envId, request.flagKey, flag, `featgate break-glass ${id}${request.incidentReference ? ` (${request.incidentReference})` : ''}: ${request.reason}`);
      const applied = await this.setApproved(actor, prior, flag, principal.id, {});
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
      });
    });
    return this.get(id);
  }

  /** Records a post-review; the outcome follows from every review so far. */
  async review(principal: Principal, id: string, request: PostReviewRequest): Promise<BreakGlassView> {
    const record = await this.record(id);
    let rejected = false;
    await this.deps.lock.withLocks([flagSubject(record.used.envId, record.used.flagKey), breakGlassSubject(id)], async () => {
      const current = await this.record(id);
      if (principal.id === current.usedBy.id) {
        throw new PolicyViolationError(`${principal.id} broke glass for ${id} and cannot post-review it: separation of duties requires another person`);
      }
      const roles = current.used.postReviewRoles;
      if (!principal.roles.some((role) => roles.includes(role))) {
        throw new PolicyViolationError(`the post-review of ${id} is done by ${roles.join(' or ')}; ${principal.id} holds ${principal.roles.join(', ') || 'no roles'}`);
      }
      if (current.postReviewOutcome !== undefined) throw new ConflictError(`the post-review of ${id} concluded: ${current.postReviewOutcome}`);
      const review = { reviewer: principal.id, roles: [...principal.roles], decision: request.decision, comment: request.comment, at: this.context.nowIso() };
      const outcome = postReviewOutcome([...current.reviews, review], current.usedBy.id, roles, this.deps.policy().separationOfDuties.onePersonMayFillSeveralRoles);
      await this.context.append(LedgerEventType.BreakGlassReviewed, actorOf(principal), breakGlassSubject(id), { id, review, outcome });
      rejected = outcome === PostReviewOutcome.Rejected && current.status === BreakGlassStatus.Active;
    });
    if (rejected) await this.end(id, `rejected in post-review by ${principal.id}: ${request.comment}`, true);
    return this.get(id);
  }

  /**
   * Ends an active break-glass use whose time has passed without post-approval; a no-op for any other (so the
   * scheduler may call it more than once, from any process).
   */
  async expire(id: string): Promise<void> {
    await this.end(id, 'expired without post-approval', false);
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

  private async end(id: string, reason: string, force: boolean): Promise<void> {
    const record = await this.record(id);
    const { envId, flagKey } = record.used;
    await this.deps.lock.withLocks([flagSubject(envId, flagKey), breakGlassSubject(id)], async () => {
      const current = await this.record(id);
      if (current.status !== BreakGlassStatus.Active) return;
      if (!force && this.now().getTime() < Date.parse(current.used.expiresAt)) return;
      await this.deps.projections.catchUp();
      const actor = serviceActor(ServiceActorId.BreakGlass);
      const approved = this.deps.projections.approved(envId, flagKey);
      if (!approved || approved.version !== current.used.appliedVersion) {
        await this.context.append(LedgerEventType.BreakGlassExpired, actor, breakGlassSubject(id), {
          id,
          reason: `${reason}; the approved state of ${flagKey} moved on (version ${approved?.version ?? 'none'}), so it was left as it is`,
          restored: false,
        });
        return;
      }
      const prior = await this.approvedStateAt(current.used.priorVersion);
      await writeFlagConfiguration(this.featbit(), envId, flagKey, prior.flag, `featgate break-glass ${id} ended: ${reason}`, SwitchedOffFlag.KeepOff);
      const restoredVersion = await this.setApproved(actor, prior, prior.flag, ServiceActorId.BreakGlass, {
        ...(prior.changeKey !== undefined ? { changeKey: prior.changeKey } : {}),
        ...(prior.stageIndex !== undefined ? { stageIndex: prior.stageIndex } : {}),
      });
      await this.context.append(LedgerEventType.BreakGlassExpired, actor, breakGlassSubject(id), { id, reason, restored: true, restoredVersion });
    });
  }

  private async record(id: string): Promise<BreakGlassRecord> {
    const state = await this.state.current();
    const record = state.breakGlass.get(id);
    if (!record) throw new NotFoundError(`no break-glass use ${id}`);
    return record;
  }

  private async approvedStateAt(seq: number): Promise<ApprovedFlagState> {
    const [entry] = await this.deps.ledger.readAfter(seq - 1, 1);
    if (entry?.seq === seq && (entry.type === LedgerEventType.ApprovedStateSet || entry.type === LedgerEventType.FlagAdopted)) {
      const read = readLedgerPayload(entry.type, entry.data);
      if (read.ok) return { ...read.payload.state, version: entry.seq };
    }
    throw new ConflictError(`ledger entry ${seq} is not an approved state; the prior state cannot be restored`);
  }

  private async setApproved(actor: Actor, previous: ApprovedFlagState, flag: FeatBitFlag, approvedBy: string, origin: { changeKey?: string; stageIndex?: number }): Promise<number> {
    const entry = await this.context.append(LedgerEventType.ApprovedStateSet, actor, flagSubject(previous.envId, previous.flagKey), {
      state: {
        envId: previous.envId,
        flagKey: previous.flagKey,
        flag,
        segments: [...previous.segments],
        baselineVariationId: previous.baselineVariationId,
        surface: previous.surface,
        owner: previous.owner,
        ...origin,
        approvedAt: this.context.nowIso(),
        approvedBy,
      },
    });
    return entry.seq;
  }

  private featbit() {
    const featbit = this.deps.featbit;
    if (!featbit) throw new ConflictError('FeatBit is not configured (FEATBIT_API_URL, FEATBIT_ACCESS_TOKEN); break-glass cannot write it');
    return featbit;
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}

/** The approved configuration with one variation served to everyone (individual targets dropped). */
export function emergencyConfiguration(approved: FeatBitFlag, request: BreakGlassRequest, id: string): { flag: FeatBitFlag; variation: Variation } {
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
 * policy lets one person fill several); pending otherwise.
 */
export function postReviewOutcome(
  reviews: readonly { reviewer: string; roles: readonly string[]; decision: ReviewDecision }[],
  usedBy: string,
  roles: readonly string[],
  onePersonMayFillSeveralRoles: boolean,
): PostReviewOutcome {
  const latest = new Map<string, (typeof reviews)[number]>();
  for (const review of reviews) if (review.reviewer !== usedBy) latest.set(review.reviewer, review);
  if ([...latest.values()].some((review) => review.decision === ReviewDecision.Reject)) return PostReviewOutcome.Rejected;
  const approvers: Approver[] = [...latest.values()].filter((review) => review.decision === ReviewDecision.Approve);
  const requirements = roles.map((role) => ({ anyOf: [role], reasons: [`break-glass post-review by ${role}`] }));
  return uncoveredRequirements(requirements, approvers, onePersonMayFillSeveralRoles).length === 0 ? PostReviewOutcome.Approved : PostReviewOutcome.Pending;
}

function newBreakGlassId(at: string): string {
  return `bg-${at.slice(0, 10).replaceAll('-', '')}-${randomBytes(4).toString('hex')}`;
}
