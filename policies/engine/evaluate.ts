import type { ChangedFlag, ChangeRecord, ConfigSurface } from '../../src/changes/model/index.js';
import { durationMs } from '../../src/changes/model/index.js';
import type { JsonValue } from '../../src/canonical/index.js';
import { ephemeralRedactionKey, redactSecrets, type RedactionKey } from '../../src/redaction/index.js';
import { applyComparison, comparisonName } from './comparison.js';
import { compilePolicy, type CompiledPolicy } from './compiled-policy.js';
import type { Evaluation, FiredRule, FlagClassification, RequiredApprovals, RoleRequirement } from './evaluation.js';
import { selectPath } from './json-path.js';
import type { GovernedEnvironment, Policy } from './policy-schema.js';
import { resolveGovernedFlag } from './resolve-governed-flag.js';
import { maxTier, RiskTier } from './risk-tier.js';

/** Options of `evaluate`. */
export interface EvaluateOptions {
  /** Evaluation time; the default review date is computed from it. Without it only the offset is given. */
  readonly now?: Date | string;
  /**
   * Key for hashing secret values the record still holds in the clear. Records the service stores are redacted
   * already; without a key a per-process one is used, which compares correctly but whose hashes are not kept.
   */
  readonly redactionKey?: RedactionKey;
}

const processKey = ephemeralRedactionKey();

/**
 * Classifies a change by its effect and says what its tier demands. Each flag is classified on its own (secret
 * values redacted first, so only their hashes are compared): the highest tier among the rules that fired
 * wins; when none fires, the surface's default tier applies. The change takes the highest tier of its flags,
 * raised to the environment's minimum tier. Pure: the same change, policy and time give the same answer.
 */
export function evaluate(change: ChangeRecord, policy: Policy, options: EvaluateOptions = {}): Evaluation {
  const compiled = compilePolicy(policy);
  const environment = compiled.environments.get(change.environment);
  const reasons: string[] = [];
  const warnings: string[] = [];
  if (!environment) warnings.push(`environment ${change.environment} is not governed by this policy`);

  const flags = change.flags.map((flag) => {
    const surface = governedSurface(policy, environment, flag, warnings);
    return classifyFlag(flag, surface, policy, compiled, options.redactionKey ?? processKey);
  });
  let tier = RiskTier.Low;
  for (const flag of flags) {
    tier = maxTier(tier, flag.tier);
    if (flag.defaultTierApplied) {
      reasons.push(`${flag.flagKey}: no rule fired; the default tier of ${flag.surface} is ${flag.tier}`);
    } else {
      for (const fired of flag.firedRules) {
        reasons.push(
          `${flag.flagKey}: rule ${fired.ruleId} (${fired.tier}) fired on the ${fired.value ?? 'candidate'} at ${fired.path}: ${fired.explanation} [${fired.detail}]`,
        );
      }
    }
  }
  if (environment?.minimumTier && maxTier(tier, environment.minimumTier) !== tier) {
    tier = environment.minimumTier;
    reasons.push(`environment ${environment.name} raises every change to at least ${environment.minimumTier}`);
  }

  const tierPolicy = policy.tiers[tier];
  const firedRules = flags.flatMap((flag) => flag.firedRules);
  const evaluation: Evaluation = {
    changeKey: change.key,
    tier,
    flags,
    firedRules,
    reasons,
    ...(environment
      ? { environment: { id: environment.id, name: environment.name, strictness: environment.strictness } }
      : {}),
    requiredApprovals: requiredApprovals(policy, tier, flags, firedRules),
    requiredEvidence: tierPolicy.evidence,
    evalBars: tierPolicy.evalBars.filter(
      (bar) => bar.surface === undefined || flags.some((flag) => flag.surface === bar.surface),
    ),
    exposure: {
      maxFirstStagePercentage: tierPolicy.exposure.maxFirstStagePercentage,
      minStages: tierPolicy.exposure.minStages,
      rollbackPlanRequired: tierPolicy.exposure.rollbackPlanRequired,
      rampRoles: tierPolicy.exposure.rampRoles,
      requesterMayRamp: tierPolicy.exposure.requesterMayRamp,
      ...(tierPolicy.exposure.minStageDuration ? { minStageDuration: tierPolicy.exposure.minStageDuration } : {}),
      ...(tierPolicy.approvals.lifetime ? { approvalLifetime: tierPolicy.approvals.lifetime } : {}),
    },
    audited: tierPolicy.audited,
    reviewAfter: tierPolicy.reviewAfter,
    warnings,
  };
  const reviewDate = change.cleanup.reviewDate ?? defaultReviewDate(options.now, tierPolicy.reviewAfter);
  return reviewDate === undefined ? evaluation : { ...evaluation, reviewDate };
}

function governedSurface(
  policy: Policy,
  environment: GovernedEnvironment | undefined,
  flag: ChangedFlag,
  warnings: string[],
): ConfigSurface {
  if (!environment) return flag.surface;
  const resolution = resolveGovernedFlag(policy, environment.id, { key: flag.key });
  if (!resolution.governed) {
    warnings.push(
      `flag ${flag.key} is not governed in ${environment.name}; classified as the record's ${flag.surface}`,
    );
    return flag.surface;
  }
  if (resolution.surface !== flag.surface) {
    warnings.push(
      `flag ${flag.key} is governed as ${resolution.surface}, not ${flag.surface}; classified as ${resolution.surface}`,
    );
  }
  return resolution.surface;
}

function classifyFlag(
  flag: ChangedFlag,
  surface: ConfigSurface,
  policy: Policy,
  compiled: CompiledPolicy,
  redactionKey: RedactionKey,
): FlagClassification {
  const baseline = redactSecrets(flag.baseline, compiled.isSecretKey, redactionKey);
  const firedRules: FiredRule[] = [];
  for (const written of writtenValues(flag)) {
    const after = redactSecrets(written.value, compiled.isSecretKey, redactionKey);
    for (const { rule, segments } of compiled.rulesBySurface.get(surface) ?? []) {
      const beforeValues = selectPath(baseline, segments);
      const afterValues = selectPath(after, segments);
      const paths = new Set([...beforeValues.keys(), ...afterValues.keys()]);
      for (const path of paths) {
        const detail = applyComparison(rule.when, beforeValues.get(path), afterValues.get(path));
        if (detail === undefined) continue;
        firedRules.push({
          ruleId: rule.id,
          flagKey: flag.key,
          surface,
          tier: rule.tier,
          path,
          comparison: comparisonName(rule.when),
          explanation: rule.explanation,
          detail,
          escalateTo: rule.escalateTo,
          value: written.name,
        });
        break;
      }
    }
  }
  if (firedRules.length === 0) {
    return {
      flagKey: flag.key,
      surface,
      tier: policy.surfaces[surface].defaultTier,
      firedRules,
      defaultTierApplied: true,
    };
  }
  const tier = firedRules.reduce((highest, fired) => maxTier(highest, fired.tier), RiskTier.Low);
  return { flagKey: flag.key, surface, tier, firedRules, defaultTierApplied: false };
}

/**
 * Every value a change can write for one flag, each compared with the approved baseline: the candidate, the
 * rollback value (a rollback serves it to everyone) and every other value the configuration can serve.
 */
export function writtenValues(flag: ChangedFlag): { readonly name: string; readonly value: JsonValue }[] {
  const values: { name: string; value: JsonValue }[] = [{ name: 'candidate', value: flag.candidate }];
  if (flag.rollbackValue !== undefined) values.push({ name: 'rollbackValue', value: flag.rollbackValue });
  (flag.servedValues ?? []).forEach((value, index) => values.push({ name: `servedValues[${index}]`, value }));
  return values;
}

function requiredApprovals(
  policy: Policy,
  tier: RiskTier,
  flags: readonly FlagClassification[],
  firedRules: readonly FiredRule[],
): RequiredApprovals {
  const tierPolicy = policy.tiers[tier];
  const requirements = new Map<string, { anyOf: string[]; reasons: string[] }>();
  const require = (anyOf: readonly string[], reason: string): void => {
    const sorted = [...new Set(anyOf)].sort();
    const id = sorted.join('|');
    const existing = requirements.get(id);
    if (existing) {
      if (!existing.reasons.includes(reason)) existing.reasons.push(reason);
    } else {
      requirements.set(id, { anyOf: sorted, reasons: [reason] });
    }
  };
  for (const role of tierPolicy.approvals.mustInclude) require([role], `the ${tier} tier requires ${role}`);
  const surfaces = [...new Set(flags.map((flag) => flag.surface))];
  if (tierPolicy.approvals.requireSurfaceReviewer) {
    for (const surface of surfaces) require(policy.surfaces[surface].reviewers, `default reviewer of ${surface}`);
  }
  for (const fired of firedRules) {
    for (const role of fired.escalateTo) require([role], `escalated by rule ${fired.ruleId}`);
  }
  const mustInclude: RoleRequirement[] = narrowestRequirements([...requirements.values()]);
  const onePersonMayFillSeveralRoles = policy.separationOfDuties.onePersonMayFillSeveralRoles;
  const routed = new Set<string>();
  for (const surface of surfaces) for (const role of policy.surfaces[surface].reviewers) routed.add(role);
  for (const requirement of mustInclude) for (const role of requirement.anyOf) routed.add(role);
  return {
    count: Math.max(tierPolicy.approvals.count, onePersonMayFillSeveralRoles ? 0 : mustInclude.length),
    roles: [...routed],
    mustInclude,
    onePersonMayFillSeveralRoles,
  };
}

/**
 * Drops a requirement when a narrower one (its roles a strict subset) exists, moving its reasons there: whoever
 * covers the narrower one covers it too, so an escalation to a role the surface reviewer list already names
 * narrows that list instead of asking for a second person.
 */
function narrowestRequirements(requirements: { anyOf: string[]; reasons: string[] }[]): RoleRequirement[] {
  const kept = requirements.filter((broad) => {
    const narrower = requirements.find(
      (other) =>
        other !== broad &&
        other.anyOf.length < broad.anyOf.length &&
        other.anyOf.every((role) => broad.anyOf.includes(role)),
    );
    if (narrower)
      for (const reason of broad.reasons) if (!narrower.reasons.includes(reason)) narrower.reasons.push(reason);
    return !narrower;
  });
  return kept;
}

function defaultReviewDate(now: Date | string | undefined, offset: string): string | undefined {
  if (now === undefined) return undefined;
  const start = typeof now === 'string' ? new Date(now) : now;
  if (Number.isNaN(start.getTime())) throw new RangeError(`not a time: ${String(now)}`);
  return new Date(start.getTime() + durationMs(offset)).toISOString().slice(0, 10);
}
