import type { FeatBitSegment, SegmentRule } from '../../featbit/model/index.js';
import { except, exceptBy, intersectBy, str } from './comparer-support.js';
import { compareRuleConditions, type ConditionKinds } from './flag-comparer.js';
import { SegmentInstructionKind, type Instruction } from './instruction-kind.js';

/** A segment instruction. */
export type SegmentInstruction = Instruction<SegmentInstructionKind>;

const segmentConditionKinds: ConditionKinds<SegmentInstructionKind> = {
  removeConditions: SegmentInstructionKind.RemoveRuleConditions,
  addConditions: SegmentInstructionKind.AddRuleConditions,
  updateCondition: SegmentInstructionKind.UpdateRuleCondition,
  removeValues: SegmentInstructionKind.RemoveValuesFromRuleCondition,
  addValues: SegmentInstructionKind.AddValuesToRuleCondition,
};

/** Emulates FeatBit's `SegmentComparer.Compare`: archive state, basic info, included, excluded, rules. */
export function compareSegments(original: FeatBitSegment, current: FeatBitSegment): SegmentInstruction[] {
  const instructions: SegmentInstruction[] = [];
  if (original.isArchived !== current.isArchived) {
    instructions.push({
      kind: current.isArchived ? SegmentInstructionKind.Archive : SegmentInstructionKind.Restore,
      value: null,
    });
  }
  if (str(original.name) !== str(current.name))
    instructions.push({ kind: SegmentInstructionKind.UpdateName, value: current.name });
  if (str(original.description) !== str(current.description))
    instructions.push({ kind: SegmentInstructionKind.UpdateDescription, value: current.description });
  const removedTags = except(original.tags, current.tags);
  const addedTags = except(current.tags, original.tags);
  if (removedTags.length > 0) instructions.push({ kind: SegmentInstructionKind.RemoveTags, value: removedTags });
  if (addedTags.length > 0) instructions.push({ kind: SegmentInstructionKind.AddTags, value: addedTags });
  instructions.push(
    ...compareKeys(
      original.included,
      current.included,
      SegmentInstructionKind.AddTargetUsersToIncluded,
      SegmentInstructionKind.RemoveTargetUsersFromIncluded,
    ),
  );
  instructions.push(
    ...compareKeys(
      original.excluded,
      current.excluded,
      SegmentInstructionKind.AddTargetUsersToExcluded,
      SegmentInstructionKind.RemoveTargetUsersFromExcluded,
    ),
  );
  instructions.push(...compareRules(original.rules, current.rules));
  return instructions;
}

function compareKeys(
  original: readonly string[],
  current: readonly string[],
  add: SegmentInstructionKind,
  remove: SegmentInstructionKind,
): SegmentInstruction[] {
  const added = except(current, original);
  const removed = except(original, current);
  const instructions: SegmentInstruction[] = [];
  if (added.length > 0) instructions.push({ kind: add, value: added });
  if (removed.length > 0) instructions.push({ kind: remove, value: removed });
  return instructions;
}

function compareRules(original: readonly SegmentRule[], current: readonly SegmentRule[]): SegmentInstruction[] {
  if (original.length === 0 && current.length === 0) return [];
  if (original.length === 0 || current.length === 0) return [{ kind: SegmentInstructionKind.SetRules, value: current }];
  const id = (rule: SegmentRule) => rule.id;
  const instructions: SegmentInstruction[] = [];
  for (const added of exceptBy(current, original.map(id), id))
    instructions.push({ kind: SegmentInstructionKind.AddRule, value: added });
  for (const removed of exceptBy(original, current.map(id), id))
    instructions.push({ kind: SegmentInstructionKind.RemoveRule, value: removed.id });
  for (const common of intersectBy(original, current.map(id), id)) {
    const before = original.find((rule) => rule.id === common.id)!;
    const after = current.find((rule) => rule.id === common.id)!;
    if (str(before.name) !== str(after.name))
      instructions.push({
        kind: SegmentInstructionKind.UpdateRuleName,
        value: { ruleId: before.id, name: after.name },
      });
    instructions.push(...compareRuleConditions(before.id, before.conditions, after.conditions, segmentConditionKinds));
  }
  return instructions;
}
