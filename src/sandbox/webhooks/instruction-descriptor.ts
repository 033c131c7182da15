import type { FeatBitFlag, FeatBitSegment, TargetRule, Variation } from '../../featbit/model/index.js';
import type { FlagInstruction } from './flag-comparer.js';
import { FlagInstructionKind, SegmentInstructionKind } from './instruction-kind.js';
import type { SegmentInstruction } from './segment-comparer.js';

const RULE_SCOPED_FLAG_KINDS = new Set<FlagInstructionKind>([
  FlagInstructionKind.UpdateRuleName,
  FlagInstructionKind.UpdateRuleDispatchKey,
  FlagInstructionKind.AddRuleConditions,
  FlagInstructionKind.RemoveRuleConditions,
  FlagInstructionKind.UpdateRuleCondition,
  FlagInstructionKind.AddValuesToRuleCondition,
  FlagInstructionKind.RemoveValuesFromRuleCondition,
  FlagInstructionKind.UpdateRuleVariationOrRollouts,
]);

const text = (value: string | null | undefined): string => value ?? '';

/** The `changes` line FeatBit writes for a flag instruction (`InstructionDescriptor.Describe`). */
export function describeFlagInstruction(
  instruction: FlagInstruction,
  origin: FeatBitFlag,
  current: FeatBitFlag,
): string {
  const value = instruction.value;
  switch (instruction.kind) {
    case FlagInstructionKind.TurnFlagOn:
      return `Turn on flag: ${text(current.name)}`;
    case FlagInstructionKind.TurnFlagOff:
      return `Turn off flag: ${text(current.name)}`;
    case FlagInstructionKind.ArchiveFlag:
      return `Archive flag: ${text(current.name)}`;
    case FlagInstructionKind.RestoreFlag:
      return `Restore flag: ${text(current.name)}`;
    case FlagInstructionKind.UpdateDisabledVariation:
      return `Disabled variation updated to '${text(current.variations.find((v) => v.id === value)?.name)}'`;
    case FlagInstructionKind.AddVariation:
      return `Add variation: ${text((value as Variation).name)}`;
    case FlagInstructionKind.RemoveVariation:
      return `Remove variation: ${text(origin.variations.find((v) => v.id === value)?.name)}`;
    case FlagInstructionKind.UpdateVariation:
      return `Variation updated to '${text((value as Variation).name)}' with value '${text((value as Variation).value)}'`;
    case FlagInstructionKind.UpdateVariationType:
      return `Variation type updated to '${String(value)}'`;
    case FlagInstructionKind.UpdateDefaultRuleVariationOrRollouts:
      return 'Update default rule variation';
    case FlagInstructionKind.UpdateDefaultRuleDispatchKey:
      return 'Update default rule dispatch key';
    case FlagInstructionKind.AddTargetUsers:
    case FlagInstructionKind.RemoveTargetUsers:
    case FlagInstructionKind.SetTargetUsers:
      return describeTargetUsers(instruction, origin);
    case FlagInstructionKind.AddRule:
      return `Add rule: ${text((value as TargetRule).name)}`;
    case FlagInstructionKind.RemoveRule:
      return `Remove rule: ${text(origin.rules.find((rule) => rule.id === value)?.name)}`;
    case FlagInstructionKind.SetRules: {
      const rules = value as readonly TargetRule[];
      return rules.length === 0 ? 'Clear rules' : `Set rules: ${rules.map((rule) => text(rule.name)).join(',')}`;
    }
    case FlagInstructionKind.UpdateName:
      return `Update name from ${text(origin.name)} to ${text(current.name)}`;
    case FlagInstructionKind.UpdateDescription:
      return `Update description from ${text(origin.description)} to ${text(current.description)}`;
    case FlagInstructionKind.AddTags:
    case FlagInstructionKind.RemoveTags:
      return `Update tags from ${origin.tags.join(',')} to ${current.tags.join(',')}`;
    default:
      if (RULE_SCOPED_FLAG_KINDS.has(instruction.kind)) {
        const ruleId = (value as { ruleId: string }).ruleId;
        return `Update rule: ${text(current.rules.find((rule) => rule.id === ruleId)?.name)}`;
      }
      return '';
  }
}

function describeTargetUsers(instruction: FlagInstruction, origin: FeatBitFlag): string {
  const target = instruction.value as { variationId: string; keyIds: readonly string[] };
  const variation = origin.variations.find((v) => v.id === target.variationId);
  if (!variation) return '';
  const name = text(variation.name);
  if (instruction.kind === FlagInstructionKind.AddTargetUsers) return `Add target users to variation '${name}'`;
  if (instruction.kind === FlagInstructionKind.RemoveTargetUsers) return `Remove target users from variation '${name}'`;
  return target.keyIds.length > 0
    ? `Set target users for variation '${name}'`
    : `Clear target users for variation '${name}'`;
}

/** The `changes` line FeatBit writes for a segment instruction. */
export function describeSegmentInstruction(
  instruction: SegmentInstruction,
  origin: FeatBitSegment,
  current: FeatBitSegment,
): string {
  const value = instruction.value;
  switch (instruction.kind) {
    case SegmentInstructionKind.Archive:
      return `Archive segment: ${text(current.name)}`;
    case SegmentInstructionKind.Restore:
      return `Restore segment: ${text(current.name)}`;
    case SegmentInstructionKind.AddRule:
      return `Add rule: ${text((value as { name?: string }).name)}`;
    case SegmentInstructionKind.RemoveRule:
      return `Remove rule: ${text(origin.rules.find((rule) => rule.id === value)?.name)}`;
    case SegmentInstructionKind.SetRules: {
      const rules = value as readonly { name?: string }[];
      return rules.length === 0 ? 'Clear rules' : `Set rules: ${rules.map((rule) => text(rule.name)).join(',')}`;
    }
    case SegmentInstructionKind.UpdateRuleName:
    case SegmentInstructionKind.AddRuleConditions:
    case SegmentInstructionKind.RemoveRuleConditions:
    case SegmentInstructionKind.UpdateRuleCondition:
    case SegmentInstructionKind.AddValuesToRuleCondition:
    case SegmentInstructionKind.RemoveValuesFromRuleCondition: {
      const ruleId = (value as { ruleId: string }).ruleId;
      return `Update rule: ${text(current.rules.find((rule) => rule.id === ruleId)?.name)}`;
    }
    case SegmentInstructionKind.AddTargetUsersToIncluded:
      return 'Add including users';
    case SegmentInstructionKind.RemoveTargetUsersFromIncluded:
      return 'Remove including users';
    case SegmentInstructionKind.AddTargetUsersToExcluded:
      return 'Add excluding users';
    case SegmentInstructionKind.RemoveTargetUsersFromExcluded:
      return 'Remove excluding users';
    case SegmentInstructionKind.UpdateName:
      return `Update name from ${text(origin.name)} to ${text(current.name)}`;
    case SegmentInstructionKind.UpdateDescription:
      return `Update description from ${text(origin.description)} to ${text(current.description)}`;
    default:
      return '';
  }
}
