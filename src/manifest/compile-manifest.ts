import type { ApprovedFlagState } from '../approved-state/model/index.js';
import { contentHash } from '../canonical/canonical-json.js';
import { ValidationError, type FieldIssue } from '../errors/index.js';
import {
  SegmentConditionProperty,
  type FeatBitFlag,
  type FeatBitSegment,
  type RolloutVariation,
} from '../featbit/model/index.js';
import {
  convertFeatBitValue,
  requestedTypeOf,
  MANIFEST_FORMAT,
  type ApprovalManifest,
  type GrantRollout,
  type ManifestFlag,
  type ManifestGoverned,
  type ManifestGrants,
  type ManifestLedgerHead,
} from '@featgate/openfeature/manifest';

/** When a compiled manifest is issued and how long providers may trust it, plus what it witnesses and denies. */
export interface CompileManifestOptions {
  readonly issuedAt: Date;
  /** Lifetime in milliseconds; providers fail closed to the baseline once it has passed. */
  readonly ttlMs: number;
  /** The audit ledger's head to carry (witnessed by every gate and auditor holding the manifest). */
  readonly ledgerHead?: ManifestLedgerHead | null;
  /** The policy's governed keys and key patterns; gates deny matching flags the manifest has no entry for. */
  readonly governed?: ManifestGoverned;
  /** Governed flags known to have no approval (e.g. governed by tag, or not yet adopted); gates deny them. */
  readonly denied?: readonly string[];
}

/** A flag whose approved state could not be compiled this time. */
export interface FlagCompileFailure {
  readonly flagKey: string;
  readonly issues: readonly FieldIssue[];
  /** The version of the last good entry kept in its place; undefined when there was none (the flag is denied). */
  readonly keptVersion?: number;
}

/** A manifest compiled flag by flag, with the flags that failed. */
export interface CompiledManifest {
  readonly manifest: ApprovalManifest;
  readonly failures: readonly FlagCompileFailure[];
}

/**
 * Compiles the approved states of one environment into its approval manifest: per governed flag the baseline,
 * every approved variation with the hash of its typed value, and the grants taken from the approved targeting.
 * Throws ValidationError naming the flag and field when an approved state cannot be served as approved (strict:
 * for tools and tests; the service compiles with `compileManifestKeepingLastGood`).
 */
export function compileManifest(
  envId: string,
  states: readonly ApprovedFlagState[],
  options: CompileManifestOptions,
): ApprovalManifest {
  const { flags, issues, version } = compileEntries(envId, states);
  const all = issues.flatMap((failure) => failure.issues);
  if (all.length > 0) throw new ValidationError(all);
  return assemble(envId, flags, version, options, []);
}

/**
 * Compiles flag by flag so one bad approved state never stops an environment: a flag that cannot compile keeps the
 * entry `lastGood` had for it (the approval in force before), or, without one, is listed in `denied` so gates refuse
 * it rather than pass it. Approved states of another environment are reported as failures too.
 */
export function compileManifestKeepingLastGood(
  envId: string,
  states: readonly ApprovedFlagState[],
  options: CompileManifestOptions,
  lastGood?: ApprovalManifest,
  cache?: CompiledFlagCache,
): CompiledManifest {
  const { flags, issues, version } = compileEntries(envId, states, cache);
  const failures: FlagCompileFailure[] = [];
  const denied: string[] = [];
  for (const failure of issues) {
    const kept =
      lastGood?.envId === envId && Object.hasOwn(lastGood.flags, failure.flagKey)
        ? lastGood.flags[failure.flagKey]
        : undefined;
    if (kept && failure.envMatches) flags[failure.flagKey] = kept;
    else if (failure.envMatches) denied.push(failure.flagKey);
    failures.push({
      flagKey: failure.flagKey,
      issues: failure.issues,
      ...(kept && failure.envMatches ? { keptVersion: kept.version } : {}),
    });
  }
  return { manifest: assemble(envId, flags, version, options, denied), failures };
}

interface EntryIssues {
  readonly flagKey: string;
  readonly envMatches: boolean;
  readonly issues: FieldIssue[];
}

/**
 * Compiled entries by the approved state they were compiled from. Approved states are immutable values a fold
 * replaces, never edits, so an entry is reused exactly while its flag's approved state is the same object: a signing
 * compiles only the flags whose approval changed (their value hashes included).
 */
export type CompiledFlagCache = WeakMap<ApprovedFlagState, ManifestFlag>;

function compileEntries(
  envId: string,
  states: readonly ApprovedFlagState[],
  cache?: CompiledFlagCache,
): { flags: Record<string, ManifestFlag>; issues: EntryIssues[]; version: number } {
  // Without a prototype, so a flag keyed `__proto__` or `constructor` is an entry like any other.
  const flags: Record<string, ManifestFlag> = Object.create(null);
  const issues: EntryIssues[] = [];
  let version = 0;
  for (const state of states) {
    const path = `flags.${state.flagKey}`;
    if (state.envId !== envId) {
      issues.push({
        flagKey: state.flagKey,
        envMatches: false,
        issues: [{ path, message: `approved state belongs to environment ${state.envId}, not ${envId}` }],
      });
      continue;
    }
    version = Math.max(version, state.version);
    const cached = cache?.get(state);
    if (cached) {
      flags[state.flagKey] = cached;
      continue;
    }
    const flagIssues: FieldIssue[] = [];
    let compiled: ManifestFlag | undefined;
    try {
      compiled = compileFlag(state, path, flagIssues);
    } catch (error) {
      flagIssues.push({
        path,
        message: `cannot be compiled: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    if (compiled && flagIssues.length === 0) {
      flags[state.flagKey] = compiled;
      cache?.set(state, compiled);
    } else
      issues.push({
        flagKey: state.flagKey,
        envMatches: true,
        issues: flagIssues.length > 0 ? flagIssues : [{ path, message: 'cannot be compiled' }],
      });
  }
  return { flags, issues, version };
}

function assemble(
  envId: string,
  flags: Record<string, ManifestFlag>,
  version: number,
  options: CompileManifestOptions,
  denied: readonly string[],
): ApprovalManifest {
  const allDenied = [...new Set([...(options.denied ?? []), ...denied])]
    .filter((key) => !Object.hasOwn(flags, key))
    .sort();
  return {
    format: MANIFEST_FORMAT,
    envId,
    version,
    issuedAt: options.issuedAt.toISOString(),
    expiresAt: new Date(options.issuedAt.getTime() + options.ttlMs).toISOString(),
    ledgerHead: options.ledgerHead ?? null,
    governed: { keys: [...(options.governed?.keys ?? [])], keyPatterns: [...(options.governed?.keyPatterns ?? [])] },
    denied: allDenied,
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
        else
          issues.push({
            path: `${path}.rules.${ruleIndex}.conditions.${conditionIndex}`,
            message: `segment ${id} is not in the approved state`,
          });
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
    fallthrough: {
      dispatchKey: flag.fallthrough.dispatchKey ?? null,
      variations: flag.fallthrough.variations.map(toGrantRollout),
    },
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
  flag.targetUsers.forEach((target, index) =>
    references.push([`targetUsers.${index}.variationId`, target.variationId]),
  );
  flag.rules.forEach((rule, ruleIndex) =>
    rule.variations.forEach((variation, index) =>
      references.push([`rules.${ruleIndex}.variations.${index}.id`, variation.id]),
    ),
  );
  flag.fallthrough.variations.forEach((variation, index) =>
    references.push([`fallthrough.variations.${index}.id`, variation.id]),
  );
  return references;
}
