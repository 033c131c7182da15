import type { ApprovedFlagState } from '../approved-state/model/index.js';
import type { JsonValue } from '../canonical/index.js';
import { evaluate } from '../../policies/index.js';
import { changeRecordSchema, CleanupKind, type ChangeRecordInput, type ConfigSurface } from '../changes/model/index.js';
import { ConflictError } from '../errors/index.js';
import type { FeatBitFlag, FeatBitSegment, Variation } from '../featbit/model/index.js';
import { Role, type Principal } from '../identity/index.js';
import { ActorKind, LedgerEventType } from '../ledger/index.js';
import { convertFeatBitValue, requestedTypeOf } from '@featgate/openfeature/manifest';
import { changeSubject } from '../ledger-events/index.js';
import type { ChangeService } from '../changes/index.js';
import { proposalOpenedPayloadSchema } from './model/index.js';
import { candidateExposure, proposalPlan, type CandidateExposure } from './proposal-plan.js';
import type { WorkflowContext } from '../projections/index.js';

/** An unauthorized FeatBit edit to turn into a proposal that reviewers can approve. */
export interface InterceptedEdit {
  readonly envId: string;
  readonly flagKey: string;
  readonly surface: ConfigSurface;
  readonly owner: string;
  /** The FeatBit operator who made the edit; the proposal's requester. */
  readonly requester: string;
  /** What FeatBit was restored to. */
  readonly approved: ApprovedFlagState;
  /** The configuration the operator made, proposed exactly as it was. */
  readonly edited: FeatBitFlag;
  readonly editedSegments: readonly FeatBitSegment[];
  /** Readable list of what changed, for the proposal's description. */
  readonly changes: readonly string[];
  /** Non-baseline variations whose exposure the edit widened. */
  readonly widenedVariationIds?: readonly string[];
  /** Stable hash of (environment, flag, approved version, edited configuration). */
  readonly fingerprint: string;
}

/** What opening a proposal did. */
export interface OpenedProposal {
  readonly changeKey: string;
  /** True when the same edit had already been turned into this proposal. */
  readonly reused: boolean;
}

const FEATGATE_PRINCIPAL: Principal = {
  id: 'featgate',
  kind: ActorKind.Service,
  roles: [Role.Service],
  permissions: new Set(),
  via: 'api-token',
};

/**
 * Turns intercepted FeatBit edits into change records. The key is derived from the edit's fingerprint, so the same
 * edit seen again (duplicate, replayed or reordered deliveries, reconciler rounds, a retried job) reuses one
 * proposal. Besides the change record, a `proposal.opened` entry keeps the full edited configuration: applying
 * the approved proposal writes exactly that configuration back (see ReleaseService).
 */
export class ProposalService {
  constructor(
    private readonly context: WorkflowContext,
    private readonly changes: ChangeService,
  ) {}

  /** The change key a proposal for this edit has: `edit-<flag>-<fingerprint prefix>`. */
  static keyFor(edit: Pick<InterceptedEdit, 'flagKey' | 'fingerprint'>): string {
    const slug =
      edit.flagKey
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 60) || 'flag';
    return `edit-${slug}-${edit.fingerprint.slice(0, 12)}`;
  }

  /** Whether a change with this key exists (caught up with the ledger first). */
  async exists(changeKey: string): Promise<boolean> {
    await this.context.deps.projections.catchUp();
    return this.context.deps.projections.changes.changes.has(changeKey);
  }

  /** Opens the proposal for an edit, or answers the one already opened for the same edit. */
  async openProposal(edit: InterceptedEdit): Promise<OpenedProposal> {
    const changeKey = ProposalService.keyFor(edit);
    const { projections } = this.context.deps;
    await projections.catchUp();
    let reused = projections.changes.changes.has(changeKey);
    if (!reused) {
      try {
        await this.changes.createChange(FEATGATE_PRINCIPAL, this.recordOf(changeKey, edit), edit.requester);
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        reused = true;
      }
    }
    if (projections.proposal(changeKey)) return { changeKey, reused };
    await this.changes.withChange(changeKey, async () => {
      if (projections.proposal(changeKey)) return;
      const data = proposalOpenedPayloadSchema.parse({
        changeKey,
        envId: edit.envId,
        flagKey: edit.flagKey,
        operator: edit.requester,
        fingerprint: edit.fingerprint,
        approvedVersion: edit.approved.version,
        edited: edit.edited,
        editedSegments: [...edit.editedSegments],
        changes: [...edit.changes],
      });
      await this.context.deps.ledger.append({
        type: LedgerEventType.ProposalOpened,
        actor: { id: FEATGATE_PRINCIPAL.id, kind: ActorKind.Service },
        subject: changeSubject(changeKey),
        data: JSON.parse(JSON.stringify(data)),
      });
    });
    return { changeKey, reused };
  }

  private recordOf(key: string, edit: InterceptedEdit): ChangeRecordInput {
    const candidate = candidateVariationOf(edit);
    const baseline =
      edit.edited.variations.find((variation) => variation.id === edit.approved.baselineVariationId) ??
      edit.approved.flag.variations.find((variation) => variation.id === edit.approved.baselineVariationId);
    const type = requestedTypeOf(edit.edited.variationType);
    const valueOf = (variation: Variation | undefined): JsonValue => {
      if (!variation) return null;
      const converted = convertFeatBitValue(variation.value, type);
      return converted.convertible ? converted.value : variation.value;
    };
    const changes = edit.changes.length > 0 ? edit.changes.join(', ') : 'configuration changed';
    const exposure = candidateExposure(edit.edited, candidate?.id);
    const where = `${exposure.percentage}% of ${exposure.ruleName ? `rule "${exposure.ruleName}"` : 'the default rule'}`;
    const unknown = (area: string) =>
      `not known to featgate (${area} of an edit made directly in FeatBit): ask ${edit.requester} before approving`;
    const record: ChangeRecordInput = {
      key,
      title: `FeatBit edit of ${edit.flagKey} by ${edit.requester}`,
      owner: edit.owner,
      service: 'featbit',
      environment: edit.envId,
      affectedWorkflow: `${edit.surface} served by flag ${edit.flagKey}`,
      requester: edit.requester,
      flags: [
        {
          key: edit.flagKey,
          surface: edit.surface,
          baseline: valueOf(baseline),
          candidate: valueOf(candidate),
          ...(candidate ? { candidateVariationId: candidate.id } : {}),
          servedValues: servedVariations(edit.edited, [
            candidate?.id,
            ...(baselineUnchanged(edit) ? [edit.approved.baselineVariationId] : []),
          ]).map(valueOf),
        },
      ],
      behaviourChange:
        `${edit.requester} edited ${edit.flagKey} directly in FeatBit (${changes}) without an approval; featgate restored ` +
        `the approved state. The edit serves ${candidate ? `variation "${candidate.name || candidate.id}"` : 'its candidate'} to ${where}. ` +
        `Applying the last stage of this proposal once approved writes the edited configuration back exactly as it was made.`,
      impact: {
        data: unknown('data handling'),
        cost: unknown('cost'),
        latency: unknown('latency'),
        safety: `the ${edit.surface} of ${edit.flagKey} changes for ${where} once fully applied; earlier stages expose less`,
        support: `users in ${where} see the edited ${edit.surface}; owner ${edit.owner}`,
        compliance: unknown('compliance'),
      },
      release: {
        decisionOwner: edit.owner,
        stages: [
          {
            name: 'apply the FeatBit edit',
            audience: 'as configured in the edit',
            percentage: exposure.percentage,
            minDuration: '1m',
          },
        ],
      },
      cleanup: { kind: CleanupKind.Durable },
    };
    return { ...record, release: this.planFor(record, exposure) };
  }

  /** A release plan the proposal's tier can approve (see `proposalPlan`), judged as the policy will judge the record. */
  private planFor(record: ChangeRecordInput, exposure: CandidateExposure): ChangeRecordInput['release'] {
    const parsed = changeRecordSchema.safeParse(record);
    if (!parsed.success) return record.release;
    const evaluation = evaluate(parsed.data, this.context.deps.policy(), {
      redactionKey: this.context.deps.redactionKey,
    });
    return proposalPlan(record.owner, exposure, evaluation.exposure, evaluation.tier);
  }
}

/** The variation the edit is about: the first one it widened, else the first whose content it changed. */
function candidateVariationOf(edit: InterceptedEdit): Variation | undefined {
  const byId = (id: string) => edit.edited.variations.find((variation) => variation.id === id);
  for (const id of edit.widenedVariationIds ?? []) {
    const variation = byId(id);
    if (variation) return variation;
  }
  const approved = new Map(edit.approved.flag.variations.map((variation) => [variation.id, variation.value]));
  return (
    edit.edited.variations.find(
      (variation) => approved.has(variation.id) && approved.get(variation.id) !== variation.value,
    ) ??
    edit.edited.variations.find((variation) => !approved.has(variation.id)) ??
    edit.edited.variations.find((variation) => variation.id !== edit.approved.baselineVariationId)
  );
}

/** Whether the edit left the approved baseline variation's content as it was (then it needs no classification). */
function baselineUnchanged(edit: InterceptedEdit): boolean {
  const id = edit.approved.baselineVariationId;
  const before = edit.approved.flag.variations.find((variation) => variation.id === id);
  const after = edit.edited.variations.find((variation) => variation.id === id);
  return before !== undefined && after !== undefined && before.value === after.value;
}

/**
 * Every variation the edited configuration can serve (individual targets, rule and default-rule rollouts with a
 * share, the off variation), except those named in `except`: each is classified like the candidate, so a second
 * variation riding along at 50% raises the tier as much as the candidate would.
 */
export function servedVariations(flag: FeatBitFlag, except: readonly (string | undefined)[]): Variation[] {
  const served = new Set<string>();
  for (const target of flag.targetUsers) if (target.keyIds.length > 0) served.add(target.variationId);
  for (const slot of [...flag.rules.map((rule) => rule.variations), flag.fallthrough.variations]) {
    for (const rollout of slot) if (rollout.rollout[1] > rollout.rollout[0]) served.add(rollout.id);
  }
  served.add(flag.disabledVariationId);
  return flag.variations.filter((variation) => served.has(variation.id) && !except.includes(variation.id));
}
