import { z } from 'zod';
import { writtenValues, type Policy } from '../../policies/index.js';
import { EvidenceResult, ChangeStatus } from './model/index.js';
import type { IdentityMapping } from '../identity/index.js';
import type { LoadedChangeRecordState } from './projection/index.js';
import { changeAuthors, evidenceVerdicts } from './change-authors.js';
import { assess } from './change-views.js';
import type { KnownReviewer } from '../projections/index.js';

const firedRuleSchema = z.object({
  ruleId: z.string(),
  flagKey: z.string(),
  tier: z.string(),
  path: z.string(),
  detail: z.string(),
  explanation: z.string(),
  value: z.string().optional(),
  escalateTo: z.array(z.string()),
});

/** `GET /v1/changes/{key}/policy`: why a change has its tier and who may still approve it. */
export const policyExplanationSchema = z.object({
  key: z.string(),
  revision: z.number().int(),
  status: z.string(),
  tier: z.string(),
  /** Every value the change can write, each classified against the approved baseline. */
  values: z.array(
    z.object({
      flagKey: z.string(),
      /** `candidate`, `rollbackValue` or `servedValues[i]`. */
      value: z.string(),
      /** Highest tier a rule gave this value; absent when no rule fired on it. */
      tier: z.string().optional(),
      firedRuleIds: z.array(z.string()),
    }),
  ),
  /** Each classification rule that fired, on which value and path. */
  firedRules: z.array(firedRuleSchema),
  reasons: z.array(z.string()),
  /** The approved version each flag's baseline was read from, and what each stage's audience is in FeatBit. */
  flags: z.array(z.object({ flagKey: z.string(), basedOn: z.unknown(), stageAudiences: z.unknown() })),
  approvals: z.object({
    required: z.number().int(),
    approvedBy: z.array(z.string()),
    /** Distinct approvals still needed. */
    stillNeeded: z.number().int(),
    /** Role requirements no approver covers yet: someone holding one of `anyOf` must still approve. */
    rolesStillNeeded: z.array(z.object({ anyOf: z.array(z.string()), reasons: z.array(z.string()) })),
    /** People who may not approve (or whose approval no longer adds anything), and why. */
    excluded: z.array(z.object({ identity: z.string(), why: z.string() })),
    /**
     * Configured identities (API tokens) whose approval would still count now: they may review, are no author,
     * have not approved, and hold a role still needed (any reviewer when only the count is missing). OIDC users
     * holding such a role may approve too; they are not known in advance.
     */
    mayStillApprove: z.array(z.object({ identity: z.string(), roles: z.array(z.string()) })),
  }),
  /** Bars an offline eval of this change must clear (the tier's, for the change's surfaces), checked by featgate. */
  evalBars: z.array(
    z.object({
      surface: z.string().optional(),
      metric: z.string(),
      atLeast: z.number().optional(),
      atMost: z.number().optional(),
      maxRegression: z.number().optional(),
      minSampleSize: z.number().int().optional(),
    }),
  ),
  evidence: z.array(
    z.object({
      type: z.string(),
      /** featgate's verdict (for a claim: whether it counts), never the attacher's word. */
      result: z.string(),
      attachedBy: z.string().nullable(),
      source: z.string(),
      counts: z.boolean(),
      /** Whether featgate checked typed content (false for a claim or evidence from before typing). */
      checked: z.boolean(),
      reason: z.string(),
      /** featgate's verdict per metric. */
      metrics: z.array(z.object({ metric: z.string(), passed: z.boolean(), checked: z.boolean(), reason: z.string() })),
      /** What the attacher claimed, for a claim. */
      claimedResult: z.string().optional(),
    }),
  ),
  missingEvidence: z.array(z.object({ anyOf: z.array(z.string()), phase: z.string() })),
  decision: z.object({ status: z.string(), reasons: z.array(z.string()) }),
});
export type PolicyExplanation = z.infer<typeof policyExplanationSchema>;

/** Builds the policy explanation of a change from its projected state, the policy and the identity mapping. */
export function explainChange(
  state: LoadedChangeRecordState,
  policy: Policy,
  identities: IdentityMapping,
  proposal: boolean,
  known: readonly KnownReviewer[] = [],
): PolicyExplanation {
  const { evaluation, decision } = assess(state, policy, identities);
  const values = state.record.flags.flatMap((flag) =>
    writtenValues(flag).map((written) => {
      const fired = evaluation.firedRules.filter(
        (rule) => rule.flagKey === flag.key && (rule.value ?? 'candidate') === written.name,
      );
      const tiers = fired.map((rule) => rule.tier);
      const order = ['low', 'medium', 'high', 'restricted'];
      const tier = tiers.sort((a, b) => order.indexOf(b) - order.indexOf(a))[0];
      return {
        flagKey: flag.key,
        value: written.name,
        ...(tier ? { tier } : {}),
        firedRuleIds: fired.map((rule) => rule.ruleId),
      };
    }),
  );
  const excluded = changeAuthors(state.record, identities, proposal).map((author) => ({
    identity: author.identity,
    why: `${author.why}: authors never approve`,
  }));
  for (const approver of decision.approvedBy)
    excluded.push({ identity: approver, why: 'already approved: one person counts once' });
  return {
    key: state.key,
    revision: state.revision,
    status: state.status,
    tier: evaluation.tier,
    values,
    firedRules: evaluation.firedRules.map((rule) => ({
      ruleId: rule.ruleId,
      flagKey: rule.flagKey,
      tier: rule.tier,
      path: rule.path,
      detail: rule.detail,
      explanation: rule.explanation,
      ...(rule.value !== undefined ? { value: rule.value } : {}),
      escalateTo: [...rule.escalateTo],
    })),
    reasons: [...evaluation.reasons, ...evaluation.warnings],
    flags: state.record.flags.map((flag) => ({
      flagKey: flag.key,
      basedOn: flag.basedOn ?? null,
      stageAudiences: flag.stageAudiences ?? [],
    })),
    approvals: {
      required: evaluation.requiredApprovals.count,
      approvedBy: [...decision.approvedBy],
      stillNeeded: decision.missing.approvals,
      rolesStillNeeded: decision.missing.roles.map((requirement) => ({
        anyOf: [...requirement.anyOf],
        reasons: [...requirement.reasons],
      })),
      excluded,
      mayStillApprove: stillApproving(state, decision, identities, proposal, known),
    },
    evalBars: evaluation.evalBars.map((bar) => ({ ...bar })),
    evidence: evidenceVerdicts(state, identities, evaluation.evalBars).map((verdict) => ({
      type: verdict.item.type,
      result: verdict.item.result ?? EvidenceResult.Inconclusive,
      attachedBy: verdict.item.attachedBy ?? null,
      source: verdict.source,
      counts: verdict.counts,
      checked: verdict.checked,
      reason: verdict.reason,
      metrics: verdict.metrics.map((metric) => ({ ...metric })),
      ...(verdict.claimedResult ? { claimedResult: verdict.claimedResult } : {}),
    })),
    missingEvidence: decision.missing.evidence.map((requirement) => ({
      anyOf: [...requirement.anyOf],
      phase: requirement.phase,
    })),
    decision: { status: decision.status, reasons: [...decision.reasons] },
  };
}

/** Who of the known identities may still give an approval that counts (see `mayStillApprove`). */
function stillApproving(
  state: LoadedChangeRecordState,
  decision: ReturnType<typeof assess>['decision'],
  identities: IdentityMapping,
  proposal: boolean,
  known: readonly KnownReviewer[],
): { identity: string; roles: string[] }[] {
  if (state.status !== ChangeStatus.Proposed) return [];
  const authors = new Set(changeAuthors(state.record, identities, proposal).map((author) => author.person));
  const approved = new Set(decision.approvedBy.map((approver) => identities.personOf(approver)));
  const roles = decision.missing.roles;
  const counted = (reviewer: KnownReviewer): boolean =>
    roles.length > 0
      ? roles.some((requirement) => requirement.anyOf.some((role) => reviewer.roles.includes(role)))
      : decision.missing.approvals > 0;
  return known
    .filter((reviewer) => reviewer.mayReview && counted(reviewer))
    .filter(
      (reviewer) =>
        !authors.has(identities.personOf(reviewer.identity)) && !approved.has(identities.personOf(reviewer.identity)),
    )
    .map((reviewer) => ({ identity: reviewer.identity, roles: [...reviewer.roles] }));
}
