import type { ConfigSurface } from '../../src/changes/model/index.js';
import type { EnvironmentStrictness, EvalBar, EvidenceRequirement } from './policy-schema.js';
import type { RiskTier } from './risk-tier.js';

/** A classification rule that fired for one flag, and why. */
export interface FiredRule {
  readonly ruleId: string;
  readonly flagKey: string;
  readonly surface: ConfigSurface;
  readonly tier: RiskTier;
  /** Concrete path of the value that fired it (wildcards filled in). */
  readonly path: string;
  readonly comparison: string;
  /** The rule's explanation from the policy. */
  readonly explanation: string;
  /** What the comparison saw, e.g. `0.8 → 0.6`. */
  readonly detail: string;
  readonly escalateTo: readonly string[];
  /** Which written value fired it: `candidate`, `rollbackValue` or `servedValues[i]`. */
  readonly value?: string;
}

/** How one flag of the change was classified. */
export interface FlagClassification {
  readonly flagKey: string;
  /** Surface used: the policy's governed-flag entry wins over the record's claim. */
  readonly surface: ConfigSurface;
  readonly tier: RiskTier;
  readonly firedRules: readonly FiredRule[];
  /** True when no rule fired and the surface's default tier applied. */
  readonly defaultTierApplied: boolean;
}

/** A role requirement: one approver holding any one of these roles. */
export interface RoleRequirement {
  readonly anyOf: readonly string[];
  /** Why it is required (tier, surface reviewer, escalating rule). */
  readonly reasons: readonly string[];
}

/** Approvals a change needs. */
export interface RequiredApprovals {
  /** Least number of distinct approving people; the requester never counts. */
  readonly count: number;
  /** Every role the change is routed to for review. */
  readonly roles: readonly string[];
  /** Role requirements that approvers must cover. */
  readonly mustInclude: readonly RoleRequirement[];
  /** Whether one approver may cover several requirements (they still count once toward `count`). */
  readonly onePersonMayFillSeveralRoles: boolean;
}

/** Limits on how the candidate is exposed. */
export interface ExposureConstraints {
  readonly maxFirstStagePercentage: number;
  readonly minStages: number;
  readonly rollbackPlanRequired: boolean;
  /** Roles allowed to apply release stages; empty means the owner or any approver. */
  readonly rampRoles: readonly string[];
  /** Whether the requester may apply the stages of their own change. */
  readonly requesterMayRamp: boolean;
  /** Least minimum duration of a stage another stage follows, when the tier sets one. */
  readonly minStageDuration?: string;
  /** How long an approval stays valid before the first stage, when the tier sets it. */
  readonly approvalLifetime?: string;
}

/** What `evaluate` answers: the tier, why, and what the tier demands. */
export interface Evaluation {
  readonly changeKey: string;
  readonly tier: RiskTier;
  readonly flags: readonly FlagClassification[];
  /** Every rule that fired, over all flags. */
  readonly firedRules: readonly FiredRule[];
  /** Plain-language reasons for the tier, one per decisive fact. */
  readonly reasons: readonly string[];
  readonly environment?: { readonly id: string; readonly name: string; readonly strictness: EnvironmentStrictness };
  readonly requiredApprovals: RequiredApprovals;
  readonly requiredEvidence: readonly EvidenceRequirement[];
  /** Bars an offline eval of this change must clear (the tier's, for the change's surfaces). */
  readonly evalBars: readonly EvalBar[];
  readonly exposure: ExposureConstraints;
  readonly audited: boolean;
  /** The record's review date, else evaluation time plus the tier's offset (absent when no time was given). */
  readonly reviewDate?: string;
  readonly reviewAfter: string;
  /** Problems worth a reviewer's attention that do not change the tier (e.g. a surface the record misstates). */
  readonly warnings: readonly string[];
}
