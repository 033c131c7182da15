import type {
  Condition,
  FeatBitFlag,
  RolloutVariation,
  TargetRule,
  TargetUser,
  Variation,
} from '../../featbit/model/index.js';
import {
  conditionEquals,
  except,
  exceptBy,
  intersectBy,
  MULTI_VALUE_OPERATORS,
  parseValueList,
  SEGMENT_CONDITION_PROPERTIES,
  str,
} from './comparer-support.js';
import { FlagInstructionKind, type Instruction } from './instruction-kind.js';

/** A flag instruction with the rule it concerns, when it concerns one (`TheRuleId` in FeatBit). */
export type FlagInstruction = Instruction<FlagInstructionKind>;

const ROLLOUT_TOLERANCE = 0.00001;

/**
 * Emulates FeatBit's `FlagComparer.Compare`: the instructions that turn `original` into `current`, in
 * FeatBit's order. Like FeatBit it does not see rule reordering, experiment-only fields
 * (`exptIncludeAllTargets`, `includedInExpt`, `exptRollout`) or a dispatch key set to null; webhook events
 * are derived from this list, so those edits send no webhook.
 */
export function compareFlags(original: FeatBitFlag, current: FeatBitFlag): FlagInstruction[] {
  const instructions: FlagInstruction[] = [];
  if (original.isEnabled !== current.isEnabled) {
    instructions.push({
      kind: current.isEnabled ? FlagInstructionKind.TurnFlagOn : FlagInstructionKind.TurnFlagOff,
      value: null,
    });
  }
  if (original.isArchived !== current.isArchived) {
    instructions.push({
      kind: current.isArchived ? FlagInstructionKind.ArchiveFlag : FlagInstructionKind.RestoreFlag,
      value: null,
    });
  }
  if (str(original.name) !== str(current.name))
    instructions.push({ kind: FlagInstructionKind.UpdateName, value: current.name });
  if (str(original.description) !== str(current.description)) {
    instructions.push({ kind: FlagInstructionKind.UpdateDescription, value: current.description });
  }
  const removedTags = except(original.tags, current.tags);
  const addedTags = except(current.tags, original.tags);
  if (removedTags.length > 0) instructions.push({ kind: FlagInstructionKind.RemoveTags, value: removedTags });
  if (addedTags.length > 0) instructions.push({ kind: FlagInstructionKind.AddTags, value: addedTags });
  if (original.variationType !== current.variationType) {
    instructions.push({ kind: FlagInstructionKind.UpdateVariationType, value: current.variationType });
  }
  instructions.push(...compareVariations(original.variations, current.variations));
  if (original.disabledVariationId !== current.disabledVariationId) {
    instructions.push({ kind: FlagInstructionKind.UpdateDisabledVariation, value: current.disabledVariationId });
  }
  if (rolloutsDiffer(original.fallthrough.variations, current.fallthrough.variations)) {
    instructions.push({
      kind: FlagInstructionKind.UpdateDefaultRuleVariationOrRollouts,
      value: current.fallthrough.variations,
    });
  }
  const originalDispatch = str(original.fallthrough.dispatchKey);
  const currentDispatch = str(current.fallthrough.dispatchKey);
  if (originalDispatch !== currentDispatch && currentDispatch !== null) {
    instructions.push({ kind: FlagInstructionKind.UpdateDefaultRuleDispatchKey, value: currentDispatch });
  }
  instructions.push(...compareTargetUsers(current.variations, original.targetUsers, current.targetUsers));
  instructions.push(...compareRules(original.rules, current.rules));
  return instructions;
}

function compareVariations(original: readonly Variation[], current: readonly Variation[]): FlagInstruction[] {
  const id = (variation: Variation) => variation.id;
  const instructions: FlagInstruction[] = [];
  for (const removed of exceptBy(original, current.map(id), id))
    instructions.push({ kind: FlagInstructionKind.RemoveVariation, value: removed.id });
  for (const added of exceptBy(current, original.map(id), id))
    instructions.push({ kind: FlagInstructionKind.AddVariation, value: added });
  for (const common of intersectBy(original, current.map(id), id)) {
    const before = original.find((variation) => variation.id === common.id)!;
    const after = current.find((variation) => variation.id === common.id)!;
    if (str(before.name) !== str(after.name) || str(before.value) !== str(after.value)) {
      instructions.push({ kind: FlagInstructionKind.UpdateVariation, value: after });
    }
  }
  return instructions;
}

/** `FlagComparer.CompareRolloutVariations`: count, ids, then ranges pairwise by position (tolerance 1e-5). */
export function rolloutsDiffer(original: readonly RolloutVariation[], current: readonly RolloutVariation[]): boolean {
  if (original.length !== current.length) return true;
  if (
    exceptBy(
      original,
      current.map((v) => v.id),
      (v) => v.id,
    ).length > 0
  )
    return true;
  return original.some((before, index) => {
    const after = current[index]!;
    return (
      Math.abs(before.rollout[0] - after.rollout[0]) >= ROLLOUT_TOLERANCE ||
      Math.abs(before.rollout[1] - after.rollout[1]) >= ROLLOUT_TOLERANCE
    );
  });
}

function isNullOrEmpty(targetUser: TargetUser | undefined): boolean {
  return !targetUser?.keyIds || targetUser.keyIds.length === 0;
}

function compareTargetUsers(
  variations: readonly Variation[],
  original: readonly TargetUser[],
  current: readonly TargetUser[],
): FlagInstruction[] {
  const instructions: FlagInstruction[] = [];
  for (const variation of variations) {
    const before = original.find((target) => target.variationId === variation.id);
    const after = current.find((target) => target.variationId === variation.id);
    if (isNullOrEmpty(before) && isNullOrEmpty(after)) continue;
    if (isNullOrEmpty(before)) {
      instructions.push({
        kind: FlagInstructionKind.SetTargetUsers,
        value: { variationId: variation.id, keyIds: after!.keyIds },
      });
      continue;
    }
    if (isNullOrEmpty(after)) {
      instructions.push({ kind: FlagInstructionKind.SetTargetUsers, value: { variationId: variation.id, keyIds: [] } });
      continue;
    }
    const added = except(after!.keyIds, before!.keyIds);
    const removed = except(before!.keyIds, after!.keyIds);
    if (added.length > 0)
      instructions.push({
        kind: FlagInstructionKind.AddTargetUsers,
        value: { variationId: variation.id, keyIds: added },
      });
    if (removed.length > 0)
      instructions.push({
        kind: FlagInstructionKind.RemoveTargetUsers,
        value: { variationId: variation.id, keyIds: removed },
      });
  }
  return instructions;
}

function compareRules(original: readonly TargetRule[], current: readonly TargetRule[]): FlagInstruction[] {
  if (original.length === 0 && current.length === 0) return [];
  if (original.length === 0 || current.length === 0) return [{ kind: FlagInstructionKind.SetRules, value: current }];
  const id = (rule: TargetRule) => rule.id;
  const instructions: FlagInstruction[] = [];
  for (const added of exceptBy(current, original.map(id), id))
    instructions.push({ kind: FlagInstructionKind.AddRule, value: added });
  for (const removed of exceptBy(original, current.map(id), id))
    instructions.push({ kind: FlagInstructionKind.RemoveRule, value: removed.id });
  for (const common of intersectBy(original, current.map(id), id)) {
    const before = original.find((rule) => rule.id === common.id)!;
    const after = current.find((rule) => rule.id === common.id)!;
    instructions.push(...compareRule(before, after));
  }
  return instructions;
}

function compareRule(original: TargetRule, current: TargetRule): FlagInstruction[] {
  const ruleId = original.id;
  const instructions: FlagInstruction[] = [];
  if (str(original.name) !== str(current.name))
    instructions.push({ kind: FlagInstructionKind.UpdateRuleName, value: { ruleId, name: current.name } });
  instructions.push(...compareRuleConditions(ruleId, original.conditions, current.conditions, ruleConditionKinds));
  if (rolloutsDiffer(original.variations, current.variations)) {
    instructions.push({
      kind: FlagInstructionKind.UpdateRuleVariationOrRollouts,
      value: { ruleId, rolloutVariations: current.variations },
    });
  }
  const dispatchKey = str(current.dispatchKey);
  if (dispatchKey !== null && str(original.dispatchKey) !== dispatchKey) {
    instructions.push({ kind: FlagInstructionKind.UpdateRuleDispatchKey, value: { ruleId, dispatchKey } });
  }
  return instructions;
}

/** The instruction kinds a condition comparison emits; flags and segments name them alike. */
export interface ConditionKinds<K extends string> {
  readonly removeConditions: K;
  readonly addConditions: K;
  readonly updateCondition: K;
  readonly removeValues: K;
  readonly addValues: K;
}

const ruleConditionKinds: ConditionKinds<FlagInstructionKind> = {
  removeConditions: FlagInstructionKind.RemoveRuleConditions,
  addConditions: FlagInstructionKind.AddRuleConditions,
  updateCondition: FlagInstructionKind.UpdateRuleCondition,
  removeValues: FlagInstructionKind.RemoveValuesFromRuleCondition,
  addValues: FlagInstructionKind.AddValuesToRuleCondition,
};

/** `CompareRule`'s condition part: removed, added, then changed conditions matched by id. */
export function compareRuleConditions<K extends string>(
  ruleId: string,
  original: readonly Condition[],
  current: readonly Condition[],
  kinds: ConditionKinds<K>,
): Instruction<K>[] {
  const id = (condition: Condition) => str(condition.id);
  const instructions: Instruction<K>[] = [];
  const added = exceptBy(current, original.map(id), id);
  const removed = exceptBy(original, current.map(id), id).map(id);
  if (removed.length > 0) instructions.push({ kind: kinds.removeConditions, value: { ruleId, conditionIds: removed } });
  if (added.length > 0) instructions.push({ kind: kinds.addConditions, value: { ruleId, conditions: added } });
  for (const common of intersectBy(original, current.map(id), id)) {
    const before = original.find((condition) => id(condition) === id(common))!;
    const after = current.find((condition) => id(condition) === id(common))!;
    instructions.push(...compareCondition(ruleId, before, after, kinds));
  }
  return instructions;
}

function compareCondition<K extends string>(
  ruleId: string,
  original: Condition,
  current: Condition,
  kinds: ConditionKinds<K>,
): Instruction<K>[] {
  const sameProperty = original.property === current.property;
  const valueChanged = str(original.value) !== str(current.value);
  const segmentValues = sameProperty && SEGMENT_CONDITION_PROPERTIES.includes(original.property) && valueChanged;
  const multiValues =
    sameProperty &&
    str(original.op) === str(current.op) &&
    MULTI_VALUE_OPERATORS.includes(original.op ?? '') &&
    valueChanged;
  if (segmentValues || multiValues) {
    const before = parseValueList(original.value);
    const after = parseValueList(current.value);
    if (before && after) {
      const instructions: Instruction<K>[] = [];
      const removedValues = except(before, after);
      const addedValues = except(after, before);
      if (removedValues.length > 0)
        instructions.push({
          kind: kinds.removeValues,
          value: { ruleId, conditionId: current.id ?? null, values: removedValues },
        });
      if (addedValues.length > 0)
        instructions.push({
          kind: kinds.addValues,
          value: { ruleId, conditionId: current.id ?? null, values: addedValues },
        });
      return instructions;
    }
  }
  return conditionEquals(original, current)
    ? []
    : [{ kind: kinds.updateCondition, value: { ruleId, condition: current } }];
}
