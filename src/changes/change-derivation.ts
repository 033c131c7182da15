import { resolveGovernedFlag, type Policy } from '../../policies/index.js';
import type { ApprovedFlagState } from '../approved-state/model/index.js';
import { contentHash, type JsonValue } from '../canonical/index.js';
import { StageAudienceKind, type ChangedFlag, type ChangeRecord, type StageAudienceBinding } from './model/index.js';
import { ConflictError, ValidationError, type FieldIssue } from '../errors/index.js';
import {
  SegmentConditionProperty,
  type FeatBitFlag,
  type FeatBitSegment,
  type TargetRule,
} from '../featbit/model/index.js';
import { convertFeatBitValue, requestedTypeOf } from '@featgate/openfeature/manifest';
import { redactSecrets, type RedactionKey } from '../redaction/index.js';
import { secretKeyMatcherOf } from './policy-helpers.js';

/** Audience words that mean FeatBit's default rule: everyone no individual target or rule catches. */
export const EVERYONE_AUDIENCES: ReadonlySet<string> = new Set([
  'everyone',
  'all users',
  'all',
  'everybody',
  'all contexts',
]);

/** What deriving a record needs: the policy, the approved state, and the installation's redaction key. */
export interface DerivationContext {
  readonly policy: Policy;
  readonly redactionKey: RedactionKey;
  readonly approved: (envId: string, flagKey: string) => ApprovedFlagState | undefined;
}

/** The approved state of a change's flag, when the policy governs it and a baseline is approved. */
export function approvedStateOf(
  context: DerivationContext,
  record: ChangeRecord,
  flag: Pick<ChangedFlag, 'key'>,
): ApprovedFlagState | undefined {
  const resolution = resolveGovernedFlag(context.policy, record.environment, { key: flag.key });
  if (!resolution.governed) return undefined;
  return context.approved(resolution.environment.id, flag.key);
}

/** The approved baseline value of a flag (redacted like records are), or undefined when FeatBit's value does not parse. */
export function approvedBaselineValue(context: DerivationContext, approved: ApprovedFlagState): JsonValue | undefined {
  const variation = approved.flag.variations.find((one) => one.id === approved.baselineVariationId);
  if (!variation) return undefined;
  const converted = convertFeatBitValue(variation.value, requestedTypeOf(approved.flag.variationType));
  if (!converted.convertible) return undefined;
  return redactSecrets(converted.value, secretKeyMatcherOf(context.policy), context.redactionKey);
}

/**
 * Fills in what featgate derives and never takes from the request (invariant 8): each flag's `basedOn` (the approved
 * version its baseline was read from) and `stageAudiences` (what each stage's audience is in FeatBit), after
 * checking that the record's baseline is the approved one (409 naming the first difference). `servedValues` are
 * kept only for featgate's own proposals (`proposal`); a requester's are refused.
 */
export function deriveRecord(context: DerivationContext, record: ChangeRecord, proposal: boolean): ChangeRecord {
  const issues: FieldIssue[] = [];
  const flags = record.flags.map((flag, index) => {
    const { basedOn: _basedOn, stageAudiences: _stageAudiences, servedValues, ...kept } = flag;
    const rest: ChangedFlag = { ...kept };
    if (servedValues !== undefined && !proposal) {
      issues.push({
        path: `flags.${index}.servedValues`,
        message:
          'set by featgate for proposals from FeatBit edits; a change lists its values as candidate and rollbackValue',
      });
    }
    const approved = approvedStateOf(context, record, flag);
    if (!approved) return proposal && servedValues ? { ...rest, servedValues } : rest;
    const approvedValue = approvedBaselineValue(context, approved);
    if (proposal && approvedValue !== undefined) {
      // featgate's own proposal: its baseline is what is approved, even when the FeatBit edit rewrote that variation.
      rest.baseline = approvedValue;
    } else if (approvedValue !== undefined && contentHash(approvedValue) !== contentHash(flag.baseline)) {
      throw new ConflictError(
        `flags.${index}.baseline of ${flag.key} is not the approved baseline (variation ${approved.baselineVariationId}, approved version ` +
          `${approved.version}${approved.changeKey ? ` by change ${approved.changeKey}` : ''}): ${firstDifference(approvedValue, flag.baseline)}; ` +
          'featgate classifies against what is approved, so send the approved baseline',
      );
    }
    const derived: ChangedFlag = {
      ...rest,
      ...(proposal && servedValues ? { servedValues } : {}),
      basedOn: {
        version: approved.version,
        ...(approved.changeKey !== undefined ? { changeKey: approved.changeKey } : {}),
        baselineVariationId: approved.baselineVariationId,
      },
    };
    if (proposal) return derived;
    const bindings = record.release.stages.map((stage, stageIndex) => {
      const binding = bindAudience(approved.flag, approved.segments, stage.audience, stageIndex);
      if (!binding) {
        issues.push({
          path: `release.stages.${stageIndex}.audience`,
          message:
            `"${stage.audience}" names no targeting rule or segment of ${flag.key} (rules: ${approved.flag.rules.map((rule) => rule.name || rule.id).join(', ') || 'none'}); ` +
            'name a rule, a segment a rule serves, or everyone',
        });
      }
      return binding;
    });
    return {
      ...derived,
      stageAudiences: bindings.filter((binding): binding is StageAudienceBinding => binding !== undefined),
    };
  });
  if (issues.length > 0) throw new ValidationError(issues);
  return { ...record, flags };
}

/**
 * Binds a stage's audience words to FeatBit: `everyone` (or `all users`) is the default rule; the name of a
 * targeting rule is that rule, by id, with a hash of its conditions; the name of a segment is the rule whose only
 * condition puts contexts in that segment, with a hash of its conditions and of the segment's membership.
 */
export function bindAudience(
  flag: FeatBitFlag,
  segments: readonly FeatBitSegment[],
  audience: string,
  stage: number,
): StageAudienceBinding | undefined {
  const words = normalise(audience);
  if (EVERYONE_AUDIENCES.has(words)) return { stage, kind: StageAudienceKind.Everyone };
  const rule = flag.rules.find((candidate) => normalise(candidate.name) === words);
  if (rule)
    return {
      stage,
      kind: StageAudienceKind.Rule,
      ruleId: rule.id,
      ruleName: rule.name,
      conditionsHash: conditionsHashOf(rule),
    };
  const segment = segments.find(
    (candidate) => normalise(String(candidate.name ?? '')) === words || candidate.id === audience.trim(),
  );
  if (!segment) return undefined;
  const serving = flag.rules.find((candidate) => ruleSegmentIds(candidate).includes(segment.id));
  if (!serving) return undefined;
  return {
    stage,
    kind: StageAudienceKind.Segment,
    ruleId: serving.id,
    ruleName: serving.name,
    segmentId: segment.id,
    segmentName: String(segment.name ?? ''),
    conditionsHash: contentHash({ rule: conditionsHashOf(serving), segment: membershipHashOf(segment) }),
  };
}

/** The hash a binding keeps of a rule's conditions (property, operator, value). */
export function conditionsHashOf(rule: TargetRule): string {
  return contentHash(rule.conditions.map(({ property, op, value }) => ({ property, op: op ?? null, value })));
}

/** The hash of a segment's membership (included, excluded, rules). */
export function membershipHashOf(segment: FeatBitSegment): string {
  return contentHash({
    included: [...segment.included],
    excluded: [...segment.excluded],
    rules: segment.rules.map((rule) =>
      rule.conditions.map(({ property, op, value }) => ({ property, op: op ?? null, value })),
    ),
  });
}

/** Segment ids a rule's `User is in segment` conditions name. */
export function ruleSegmentIds(rule: TargetRule): string[] {
  const ids: string[] = [];
  for (const condition of rule.conditions) {
    if (condition.property !== SegmentConditionProperty.IsIn) continue;
    try {
      const parsed: unknown = JSON.parse(condition.value);
      if (Array.isArray(parsed)) ids.push(...parsed.filter((id): id is string => typeof id === 'string'));
    } catch {
      ids.push(condition.value);
    }
  }
  return ids;
}

/** A content hash of a change's candidates: what evidence is bound to. */
export function candidateHashOf(record: ChangeRecord): string {
  return contentHash(record.flags.map((flag) => ({ key: flag.key, candidate: flag.candidate })));
}

/** Where two JSON values first differ, in words. */
export function firstDifference(expected: JsonValue, actual: JsonValue, path = '$'): string {
  if (contentHash(expected) === contentHash(actual)) return 'no difference';
  const bothObjects = (value: JsonValue): value is Record<string, JsonValue> =>
    value !== null && typeof value === 'object' && !Array.isArray(value);
  if (bothObjects(expected) && bothObjects(actual)) {
    for (const key of [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort()) {
      if (!(key in actual)) return `${path}.${key} is missing (approved: ${shown(expected[key]!)})`;
      if (!(key in expected)) return `${path}.${key} is not in the approved baseline (record: ${shown(actual[key]!)})`;
      if (contentHash(expected[key]) !== contentHash(actual[key]))
        return firstDifference(expected[key]!, actual[key]!, `${path}.${key}`);
    }
  }
  if (Array.isArray(expected) && Array.isArray(actual) && expected.length === actual.length) {
    const index = expected.findIndex((item, position) => contentHash(item) !== contentHash(actual[position]));
    return firstDifference(expected[index]!, actual[index]!, `${path}[${index}]`);
  }
  return `${path} is ${shown(actual)} in the record, ${shown(expected)} approved`;
}

function shown(value: JsonValue): string {
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function normalise(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** A content hash of what a rollback of the change restores (each flag's `rollbackValue`, else its baseline). */
export function rollbackHashOf(record: ChangeRecord): string {
  return contentHash(record.flags.map((flag) => ({ key: flag.key, restored: flag.rollbackValue ?? flag.baseline })));
}
