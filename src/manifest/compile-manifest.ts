import type { ApprovedFlagState } from '../approved-state/approved-flag-state.js';
import { contentHash } from '../canonical/canonical-json.js';
import { ValidationError, type FieldIssue } from '../errors/index.js';
import { SegmentConditionProperty, type FeatBitFlag, type FeatBitSegment, type RolloutVariation } from '../featbit/model/index.js';
import { convertFeatBitValue, requestedTypeOf } from './featbit-value.js';
import {
  MANIFEST_FORMAT,
  type ApprovalManifest,
  type GrantRollout,
  type ManifestFlag,
  type ManifestGrants,
} from './manifest-schema.js';

/** When a compiled manifest is issued and how long providers may trust it. */
export interface CompileManifestOptions {
  readonly issuedAt: Date;
  /** Lifetime in milliseconds; providers fail closed to the baseline once it has passed. */
  readonly ttlMs: number;
}

/**
 * Compiles the approved states of one environment into its approval manifest: per governed flag the baseline,
 * every approved variation with the hash of its typed value, and the grants taken from the approved targeting.
 * Throws ValidationError naming the flag and field when an approved state cannot be served as approved.
 */
export function compileManifest(
  envId: string,
  states: readonly ApprovedFlagState[],
  options: CompileManifestOptions,
): ApprovalManifest {
  const issues: FieldIssue[] = [];
  const flags: Record<string, ManifestFlag> = {};
  let version = 0;
  for (const state of states) {
    const path = `flags.${state.flagKey}`;
    if (state.envId !== envId) {
      issues.push({ path, message: `approved state belongs to environment ${state.envId}, not ${envId}` });
      continue;
    }
    const compiled = compileFlag(state, path, issues);
    if (compiled) flags[state.flagKey] = compiled;
    version = Math.max(version, state.version);
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return {
    format: MANIFEST_FORMAT,
    envId,
    version,
    issuedAt: options.issuedAt.toISOString(),
    expiresAt: new Date(options.issuedAt.getTime() + options.ttlMs).toISOString(),
    flags,
  };
}

function compileFlag(state: ApprovedFlagState, path: string, issues: FieldIssue[]): ManifestFlag | undefined {
  const { flag } = state;
  const type = requestedTypeOf(flag.variationType);
  const before = issues.length;
  const variations = flag.variations.map((variation, index) => {
    const converted = convertFeatBitValue(variation.value, type);
    if (!converted.convertible) {
      issues.push({ path: `${path}.variations.${index}.value`, message: `not a valid ${flag.variationType} value` });
      return { id: variation.id, name: variation.name, value: variation.value, valueHash: '' };
    }
    return { id: variation.id, name: variation.name, value: variation.value, valueHash: contentHash(converted.value) };
  });
  const byId = new Map(variations.map((variation) => [variation.id, variation]));
  const baseline = byId.get(state.baselineVariationId);
  if (!baseline) issues.push({ path: `${path}.baselineVariationId`, message: 'names no variation of the flag' });
  for (const [reference, id] of referencedVariationIds(flag)) {
    if (!byId.has(id)) issues.push({ path: `${path}.${reference}`, message: `names unknown variation ${id}` });
  }
  const grants = compileGrants(flag, state.segments, path, issues);
  if (issues.length > before || !baseline) return undefined;
  return {
    variationType: flag.variationType,
    version: state.version,
    baseline: { variationId: baseline.id, valueHash: baseline.valueHash },
    variations,
    grants,
  };
}

function compileGrants(
  flag: FeatBitFlag,
  segments: readonly FeatBitSegment[],
  path: string,
  issues: FieldIssue[],
): ManifestGrants {
  const segmentsById = new Map(segments.map((segment) => [segment.id, segment]));
  const referenced = new Set<string>();
  flag.rules.forEach((rule, ruleIndex) =>
    rule.conditions.forEach((condition, conditionIndex) => {
      for (const id of segmentIdsOf(condition.property, condition.value)) {
        if (segmentsById.has(id)) referenced.add(id);
        else issues.push({ path: `${path}.rules.${ruleIndex}.conditions.${conditionIndex}`, message: `segment ${id} is not in the approved state` });
      }
    }),
  );
  return {
    isEnabled: flag.isEnabled,
    disabledVariationId: flag.disabledVariationId,
    targetUsers: flag.targetUsers.map((target) => ({ keyIds: [...target.keyIds], variationId: target.variationId })),
    rules: flag.rules.map((rule) => ({
      id: rule.id,
      name: rule.name,
      dispatchKey: rule.dispatchKey ?? null,
      conditions: rule.conditions.map(({ property, op, value }) => ({ property, op, value })),
      variations: rule.variations.map(toGrantRollout),
    })),
    fallthrough: { dispatchKey: flag.fallthrough.dispatchKey ?? null, variations: flag.fallthrough.variations.map(toGrantRollout) },
    segments: [...referenced].map((id) => {
      const segment = segmentsById.get(id)!;
      return {
        id,
        included: [...segment.included],
        excluded: [...segment.excluded],
        rules: segment.rules.map((rule) => ({
          conditions: rule.conditions.map(({ property, op, value }) => ({ property, op, value })),
        })),
      };
    }),
  };
}

function toGrantRollout(variation: RolloutVariation): GrantRollout {
  return { id: variation.id, rollout: [variation.rollout[0], variation.rollout[1]] };
}

/** Segment ids a condition references when it is a segment condition (its value is a JSON array of ids). */
function segmentIdsOf(property: string, value: string): string[] {
  if (property !== SegmentConditionProperty.IsIn && property !== SegmentConditionProperty.IsNotIn) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

function referencedVariationIds(flag: FeatBitFlag): Array<[string, string]> {
  const references: Array<[string, string]> = [['disabledVariationId', flag.disabledVariationId]];
  flag.targetUsers.forEach((target, index) => references.push([`targetUsers.${index}.variationId`, target.variationId]));
  flag.rules.forEach((rule, ruleIndex) =>
    rule.variations.forEach((variation, index) => references.push([`rules.${ruleIndex}.variations.${index}.id`, variation.id])),
  );
  flag.fallthrough.variations.forEach((variation, index) => references.push([`fallthrough.variations.${index}.id`, variation.id]));
  return references;
}
