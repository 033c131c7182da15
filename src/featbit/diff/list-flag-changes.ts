import type { Condition, FeatBitFlag, RolloutVariation, TargetRule } from '../model/index.js';
import { WebhookEvent } from '../model/index.js';
import { FlagChangeKind, type FlagChange } from './flag-change.js';

const ROLLOUT_TOLERANCE = 0.00001;

function sameRollouts(a: readonly RolloutVariation[], b: readonly RolloutVariation[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (entry, i) =>
        entry.id === b[i]!.id && entry.rollout[0] === b[i]!.rollout[0] && entry.rollout[1] === b[i]!.rollout[1],
    )
  );
}

function sameExperiment(a: readonly RolloutVariation[], b: readonly RolloutVariation[]): boolean {
  return a.length === b.length && a.every((entry, i) => entry.exptRollout === b[i]!.exptRollout);
}

/**
 * FeatBit's own rollout comparison (`FlagComparer.CompareRolloutVariations`): counts, the id set, and each
 * position's range within 1e-5. It misses swapped ids with unchanged ranges and sub-1e-5 moves.
 */
function featbitSeesRolloutChange(a: readonly RolloutVariation[], b: readonly RolloutVariation[]): boolean {
  if (a.length !== b.length) return true;
  const ids = new Set(b.map((entry) => entry.id));
  if (a.some((entry) => !ids.has(entry.id))) return true;
  return a.some(
    (entry, i) =>
      Math.abs(entry.rollout[0] - b[i]!.rollout[0]) >= ROLLOUT_TOLERANCE ||
      Math.abs(entry.rollout[1] - b[i]!.rollout[1]) >= ROLLOUT_TOLERANCE,
  );
}

const dispatchOf = (value: string | null | undefined): string | null => value ?? null;

function without<T>(items: readonly T[], others: readonly T[]): T[] {
  const set = new Set(others);
  return items.filter((item) => !set.has(item));
}

function basicChanges(before: FeatBitFlag, after: FeatBitFlag): FlagChange[] {
  const changes: FlagChange[] = [];
  if (before.isEnabled !== after.isEnabled) {
    changes.push({
      kind: FlagChangeKind.Toggled,
      before: before.isEnabled,
      after: after.isEnabled,
      featbitEvent: WebhookEvent.FlagToggled,
    });
  }
  if (before.isArchived !== after.isArchived) {
    changes.push(
      after.isArchived
        ? { kind: FlagChangeKind.Archived, featbitEvent: WebhookEvent.FlagArchived }
        : { kind: FlagChangeKind.Restored, featbitEvent: WebhookEvent.FlagRestored },
    );
  }
  if (before.key !== after.key) {
    changes.push({ kind: FlagChangeKind.KeyChanged, before: before.key, after: after.key, featbitEvent: null });
  }
  if (before.name !== after.name) {
    changes.push({
      kind: FlagChangeKind.NameChanged,
      before: before.name,
      after: after.name,
      featbitEvent: WebhookEvent.FlagBasicInfoUpdated,
    });
  }
  if (before.description !== after.description) {
    changes.push({
      kind: FlagChangeKind.DescriptionChanged,
      before: before.description,
      after: after.description,
      featbitEvent: WebhookEvent.FlagBasicInfoUpdated,
    });
  }
  const added = without(after.tags, before.tags);
  const removed = without(before.tags, after.tags);
  if (added.length > 0 || removed.length > 0) {
    changes.push({ kind: FlagChangeKind.TagsChanged, added, removed, featbitEvent: WebhookEvent.FlagBasicInfoUpdated });
  }
  if (before.exptIncludeAllTargets !== after.exptIncludeAllTargets) {
    changes.push({
      kind: FlagChangeKind.ExperimentIncludeAllTargetsChanged,
      before: before.exptIncludeAllTargets,
      after: after.exptIncludeAllTargets,
      featbitEvent: null,
    });
  }
  return changes;
}

function variationChanges(before: FeatBitFlag, after: FeatBitFlag): FlagChange[] {
  const changes: FlagChange[] = [];
  const event = WebhookEvent.FlagVariationChanged;
  if (before.variationType !== after.variationType) {
    changes.push({
      kind: FlagChangeKind.VariationTypeChanged,
      before: before.variationType,
      after: after.variationType,
      featbitEvent: event,
    });
  }
  const afterById = new Map(after.variations.map((variation) => [variation.id, variation]));
  const beforeById = new Map(before.variations.map((variation) => [variation.id, variation]));
  for (const variation of before.variations) {
    const next = afterById.get(variation.id);
    if (next === undefined) {
      changes.push({ kind: FlagChangeKind.VariationRemoved, variation, featbitEvent: event });
      continue;
    }
    if (next.value !== variation.value) {
      changes.push({
        kind: FlagChangeKind.VariationValueChanged,
        variationId: variation.id,
        before: variation.value,
        after: next.value,
        featbitEvent: event,
      });
    }
    if (next.name !== variation.name) {
      changes.push({
        kind: FlagChangeKind.VariationNameChanged,
        variationId: variation.id,
        before: variation.name,
        after: next.name,
        featbitEvent: event,
      });
    }
  }
  for (const variation of after.variations) {
    if (!beforeById.has(variation.id))
      changes.push({ kind: FlagChangeKind.VariationAdded, variation, featbitEvent: event });
  }
  const commonBefore = before.variations.map((variation) => variation.id).filter((id) => afterById.has(id));
  const commonAfter = after.variations.map((variation) => variation.id).filter((id) => beforeById.has(id));
  if (commonBefore.join('\n') !== commonAfter.join('\n')) {
    changes.push({
      kind: FlagChangeKind.VariationsReordered,
      before: commonBefore,
      after: commonAfter,
      featbitEvent: null,
    });
  }
  if (before.disabledVariationId !== after.disabledVariationId) {
    changes.push({
      kind: FlagChangeKind.OffVariationChanged,
      before: before.disabledVariationId,
      after: after.disabledVariationId,
      featbitEvent: WebhookEvent.FlagOffVariationChanged,
    });
  }
  return changes;
}

function fallthroughChanges(before: FeatBitFlag, after: FeatBitFlag): FlagChange[] {
  const changes: FlagChange[] = [];
  const [a, b] = [before.fallthrough, after.fallthrough];
  if (!sameRollouts(a.variations, b.variations)) {
    changes.push({
      kind: FlagChangeKind.DefaultRuleRolloutChanged,
      before: a.variations,
      after: b.variations,
      featbitEvent: featbitSeesRolloutChange(a.variations, b.variations) ? WebhookEvent.FlagDefaultRuleChanged : null,
    });
  }
  if (dispatchOf(a.dispatchKey) !== dispatchOf(b.dispatchKey)) {
    changes.push({
      kind: FlagChangeKind.DefaultRuleDispatchKeyChanged,
      before: dispatchOf(a.dispatchKey),
      after: dispatchOf(b.dispatchKey),
      featbitEvent: b.dispatchKey == null ? null : WebhookEvent.FlagDefaultRuleChanged,
    });
  }
  if (a.includedInExpt !== b.includedInExpt || !sameExperiment(a.variations, b.variations)) {
    changes.push({
      kind: FlagChangeKind.DefaultRuleExperimentChanged,
      before: a.variations,
      after: b.variations,
      featbitEvent: null,
    });
  }
  return changes;
}

function keysByVariation(flag: FeatBitFlag): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const target of flag.targetUsers)
    keys.set(target.variationId, [...(keys.get(target.variationId) ?? []), ...target.keyIds]);
  return keys;
}

/** Whether FeatBit's per-variation comparison of first target lists (`CompareTargetUsers`) sees a difference. */
function featbitSeesTargetChange(before: FeatBitFlag, after: FeatBitFlag, variationId: string): boolean {
  if (!after.variations.some((variation) => variation.id === variationId)) return false;
  const first = (flag: FeatBitFlag) =>
    flag.targetUsers.find((target) => target.variationId === variationId)?.keyIds ?? [];
  const [a, b] = [first(before), first(after)];
  return without(a, b).length > 0 || without(b, a).length > 0;
}

function targetChanges(before: FeatBitFlag, after: FeatBitFlag): FlagChange[] {
  const changes: FlagChange[] = [];
  const beforeKeys = keysByVariation(before);
  const afterKeys = keysByVariation(after);
  for (const variationId of new Set([...beforeKeys.keys(), ...afterKeys.keys()])) {
    const a = beforeKeys.get(variationId) ?? [];
    const b = afterKeys.get(variationId) ?? [];
    const added = [...new Set(without(b, a))];
    const removed = [...new Set(without(a, b))];
    const featbitEvent = featbitSeesTargetChange(before, after, variationId)
      ? WebhookEvent.FlagTargetUsersChanged
      : null;
    if (added.length > 0)
      changes.push({ kind: FlagChangeKind.TargetUsersAdded, variationId, keyIds: added, featbitEvent });
    if (removed.length > 0)
      changes.push({ kind: FlagChangeKind.TargetUsersRemoved, variationId, keyIds: removed, featbitEvent });
  }
  const order = (flag: FeatBitFlag) => flag.targetUsers.map((target) => target.variationId);
  const [orderBefore, orderAfter] = [order(before), order(after)];
  const sameMultiset = [...orderBefore].sort().join('\n') === [...orderAfter].sort().join('\n');
  if (changes.length === 0 && sameMultiset && orderBefore.join('\n') !== orderAfter.join('\n')) {
    changes.push({
      kind: FlagChangeKind.TargetListsReordered,
      before: orderBefore,
      after: orderAfter,
      featbitEvent: null,
    });
  }
  return changes;
}

const sameCondition = (a: Condition, b: Condition) => a.property === b.property && a.op === b.op && a.value === b.value;

function conditionChanges(ruleId: string, before: readonly Condition[], after: readonly Condition[]): FlagChange[] {
  const changes: FlagChange[] = [];
  const event = WebhookEvent.FlagTargetingRulesChanged;
  const byId = [...before, ...after].every((condition) => typeof condition.id === 'string' && condition.id.length > 0);
  const keyOf = (condition: Condition, index: number) => (byId ? condition.id! : String(index));
  const afterByKey = new Map(after.map((condition, index) => [keyOf(condition, index), condition]));
  const beforeKeys = new Set(before.map(keyOf));
  before.forEach((condition, index) => {
    const next = afterByKey.get(keyOf(condition, index));
    if (next === undefined)
      changes.push({ kind: FlagChangeKind.RuleConditionRemoved, ruleId, condition, featbitEvent: event });
    else if (!sameCondition(condition, next))
      changes.push({
        kind: FlagChangeKind.RuleConditionChanged,
        ruleId,
        before: condition,
        after: next,
        featbitEvent: event,
      });
  });
  after.forEach((condition, index) => {
    if (!beforeKeys.has(keyOf(condition, index)))
      changes.push({ kind: FlagChangeKind.RuleConditionAdded, ruleId, condition, featbitEvent: event });
  });
  return changes;
}

function ruleChanges(a: TargetRule, b: TargetRule): FlagChange[] {
  const changes: FlagChange[] = [];
  const event = WebhookEvent.FlagTargetingRulesChanged;
  if (a.name !== b.name)
    changes.push({
      kind: FlagChangeKind.RuleNameChanged,
      ruleId: a.id,
      before: a.name,
      after: b.name,
      featbitEvent: event,
    });
  changes.push(...conditionChanges(a.id, a.conditions, b.conditions));
  if (!sameRollouts(a.variations, b.variations)) {
    changes.push({
      kind: FlagChangeKind.RuleRolloutChanged,
      ruleId: a.id,
      before: a.variations,
      after: b.variations,
      featbitEvent: featbitSeesRolloutChange(a.variations, b.variations) ? event : null,
    });
  }
  if (dispatchOf(a.dispatchKey) !== dispatchOf(b.dispatchKey)) {
    changes.push({
      kind: FlagChangeKind.RuleDispatchKeyChanged,
      ruleId: a.id,
      before: dispatchOf(a.dispatchKey),
      after: dispatchOf(b.dispatchKey),
      featbitEvent: b.dispatchKey == null ? null : event,
    });
  }
  if (a.includedInExpt !== b.includedInExpt || !sameExperiment(a.variations, b.variations)) {
    changes.push({
      kind: FlagChangeKind.RuleExperimentChanged,
      ruleId: a.id,
      before: a.variations,
      after: b.variations,
      featbitEvent: null,
    });
  }
  return changes;
}

function rulesChanges(before: FeatBitFlag, after: FeatBitFlag): FlagChange[] {
  const changes: FlagChange[] = [];
  const event = WebhookEvent.FlagTargetingRulesChanged;
  const afterById = new Map(after.rules.map((rule) => [rule.id, rule]));
  const beforeIds = new Set(before.rules.map((rule) => rule.id));
  before.rules.forEach((rule, index) => {
    const next = afterById.get(rule.id);
    if (next === undefined) changes.push({ kind: FlagChangeKind.RuleRemoved, rule, index, featbitEvent: event });
    else changes.push(...ruleChanges(rule, next));
  });
  after.rules.forEach((rule, index) => {
    if (!beforeIds.has(rule.id)) changes.push({ kind: FlagChangeKind.RuleAdded, rule, index, featbitEvent: event });
  });
  const commonBefore = before.rules.map((rule) => rule.id).filter((id) => afterById.has(id));
  const commonAfter = after.rules.map((rule) => rule.id).filter((id) => beforeIds.has(id));
  if (commonBefore.join('\n') !== commonAfter.join('\n')) {
    changes.push({ kind: FlagChangeKind.RulesReordered, before: commonBefore, after: commonAfter, featbitEvent: null });
  }
  return changes;
}

/**
 * Lists every change between two states of a flag, in FeatBit's comparison order (status, archive, basic info,
 * variations, off variation, default rule, targets, rules). Each change names the webhook event FeatBit would
 * send for it, or null for changes FeatBit's comparer misses: a changed flag key, rule reordering, experiment-only
 * fields, a dispatch key set to null, rollout ids swapped with unchanged ranges, target lists beyond the first per
 * variation.
 */
export function listFlagChanges(before: FeatBitFlag, after: FeatBitFlag): FlagChange[] {
  return [
    ...basicChanges(before, after),
    ...variationChanges(before, after),
    ...fallthroughChanges(before, after),
    ...targetChanges(before, after),
    ...rulesChanges(before, after),
  ];
}
