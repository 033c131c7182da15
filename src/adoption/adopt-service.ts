import { resolveGovernedFlag } from '../../policies/index.js';
import { recordApprovedState } from '../approved-state/index.js';
import type { ApprovedFlagState } from '../approved-state/model/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors/index.js';
import { referencedSegmentIds } from '../featbit/diff/index.js';
import { flagSchema, type FeatBitFlag, type FeatBitSegment, type RestFlag } from '../featbit/model/index.js';
import { actorOf, type Principal } from '../identity/index.js';
import { LedgerEventType } from '../ledger/index.js';
import { flagSubject } from '../ledger-events/index.js';
import type { AdoptRequest } from './adopt-request.js';
import type { WorkflowContext } from '../projections/index.js';

const REST_ONLY_FIELDS = ['revision', 'envId', 'createdAt', 'updatedAt', 'creatorId', 'updatorId'] as const;

/**
 * Adoption: records a flag's current FeatBit state (and the segments its rules reference) as its approved
 * baseline. An admin act, recorded in the ledger with the admin as actor. Surface, owner and baseline
 * variation come from the policy's governed-flag entry unless the request names them.
 */
export class AdoptService {
  constructor(private readonly context: WorkflowContext) {}

  async adopt(principal: Principal, request: AdoptRequest): Promise<ApprovedFlagState> {
    const featbit = this.context.deps.featbit;
    if (!featbit)
      throw new ConflictError(
        'FeatBit is not configured (FEATBIT_API_URL, FEATBIT_ACCESS_TOKEN); nothing can be adopted',
      );
    const { lock, projections } = this.context.deps;
    const subject = flagSubject(request.envId, request.flagKey);
    return lock.withLocks([subject], async () => {
      await projections.catchUp();
      const emergency = projections.approved(request.envId, request.flagKey)?.breakGlassId;
      if (emergency !== undefined) {
        throw new ConflictError(
          `${request.flagKey} is under break-glass ${emergency}; its emergency configuration cannot be adopted as a baseline (end the break-glass first)`,
        );
      }
      const live = await featbit.getFlag(request.envId, request.flagKey);
      const flag = approvableFlag(live);
      const resolution = resolveGovernedFlag(this.context.deps.policy(), request.envId, {
        key: flag.key,
        tags: flag.tags,
      });
      const surface = request.surface ?? (resolution.governed ? resolution.surface : undefined);
      const owner = request.owner ?? (resolution.governed ? resolution.owner : undefined);
      if (!surface || !owner) {
        throw new ValidationError([
          ...(!surface
            ? [{ path: 'surface', message: `flag ${flag.key} is not governed by the policy; name its surface` }]
            : []),
          ...(!owner
            ? [{ path: 'owner', message: `flag ${flag.key} is not governed by the policy; name its owner` }]
            : []),
        ]);
      }
      const baselineVariationId = this.baselineOf(
        flag,
        request.baselineVariationId ?? (resolution.governed ? resolution.baselineVariation : undefined),
      );
      const segments = await Promise.all(referencedSegmentIds(flag).map((id) => featbit.getSegment(request.envId, id)));
      await recordApprovedState(this.context.deps.ledger, {
        type: LedgerEventType.FlagAdopted,
        actor: actorOf(principal),
        state: {
          envId: request.envId,
          flagKey: flag.key,
          flag,
          segments: segments as FeatBitSegment[],
          baselineVariationId,
          surface,
          owner,
          approvedAt: this.context.nowIso(),
          approvedBy: principal.id,
        },
        reason: request.reason,
      });
      await projections.catchUp();
      const adopted = projections.approved(request.envId, flag.key);
      if (!adopted) throw new NotFoundError(`adoption of ${flag.key} was recorded but is not visible`);
      return adopted;
    });
  }

  /** The named baseline (by id or name), else the single variation the default rule serves. */
  private baselineOf(flag: FeatBitFlag, named: string | undefined): string {
    if (named) {
      const variation = flag.variations.find((candidate) => candidate.id === named || candidate.name === named);
      if (!variation)
        throw new ValidationError([
          { path: 'baselineVariationId', message: `flag ${flag.key} has no variation ${named}` },
        ]);
      return variation.id;
    }
    const served = flag.fallthrough.variations.filter((rollout) => rollout.rollout[1] - rollout.rollout[0] > 0);
    if (served.length === 1) return served[0]!.id;
    throw new ValidationError([
      {
        path: 'baselineVariationId',
        message: `the default rule of ${flag.key} splits between variations; name the baseline variation`,
      },
    ]);
  }
}

/** The flag without REST-only bookkeeping (revision, timestamps), as approved states keep it. */
function approvableFlag(live: RestFlag): FeatBitFlag {
  const copy: Record<string, unknown> = { ...live };
  for (const field of REST_ONLY_FIELDS) delete copy[field];
  return flagSchema.parse(copy);
}
