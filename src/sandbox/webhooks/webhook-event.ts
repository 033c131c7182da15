import { WebhookEvent } from '../../featbit/model/index.js';
import { FlagInstructionKind, SegmentInstructionKind } from './instruction-kind.js';

const FLAG_EVENTS: Record<FlagInstructionKind, WebhookEvent> = {
  [FlagInstructionKind.TurnFlagOn]: WebhookEvent.FlagToggled,
  [FlagInstructionKind.TurnFlagOff]: WebhookEvent.FlagToggled,
  [FlagInstructionKind.ArchiveFlag]: WebhookEvent.FlagArchived,
  [FlagInstructionKind.RestoreFlag]: WebhookEvent.FlagRestored,
  [FlagInstructionKind.AddVariation]: WebhookEvent.FlagVariationChanged,
  [FlagInstructionKind.RemoveVariation]: WebhookEvent.FlagVariationChanged,
  [FlagInstructionKind.UpdateVariationType]: WebhookEvent.FlagVariationChanged,
  [FlagInstructionKind.UpdateVariation]: WebhookEvent.FlagVariationChanged,
  [FlagInstructionKind.UpdateDisabledVariation]: WebhookEvent.FlagOffVariationChanged,
  [FlagInstructionKind.UpdateDefaultRuleVariationOrRollouts]: WebhookEvent.FlagDefaultRuleChanged,
  [FlagInstructionKind.UpdateDefaultRuleDispatchKey]: WebhookEvent.FlagDefaultRuleChanged,
  [FlagInstructionKind.AddTargetUsers]: WebhookEvent.FlagTargetUsersChanged,
  [FlagInstructionKind.RemoveTargetUsers]: WebhookEvent.FlagTargetUsersChanged,
  [FlagInstructionKind.SetTargetUsers]: WebhookEvent.FlagTargetUsersChanged,
  [FlagInstructionKind.AddRule]: WebhookEvent.FlagTargetingRulesChanged,
  [FlagInstructionKind.RemoveRule]: WebhookEvent.FlagTargetingRulesChanged,
  [FlagInstructionKind.SetRules]: WebhookEvent.FlagTargetingRulesChanged,
  [FlagInstructionKind.UpdateRuleName]: WebhookEvent.FlagTargetingRulesChanged,
  [FlagInstructionKind.UpdateRuleDispatchKey]: WebhookEvent.FlagTargetingRulesChanged,
  [FlagInstructionKind.AddRuleConditions]: WebhookEvent.FlagTargetingRulesChanged,
  [FlagInstructionKind.RemoveRuleConditions]: WebhookEvent.FlagTargetingRulesChanged,
  [FlagInstructionKind.UpdateRuleCondition]: WebhookEvent.FlagTargetingRulesChanged,
  [FlagInstructionKind.AddValuesToRuleCondition]: WebhookEvent.FlagTargetingRulesChanged,
  [FlagInstructionKind.RemoveValuesFromRuleCondition]: WebhookEvent.FlagTargetingRulesChanged,
  [FlagInstructionKind.UpdateRuleVariationOrRollouts]: WebhookEvent.FlagTargetingRulesChanged,
  [FlagInstructionKind.UpdateName]: WebhookEvent.FlagBasicInfoUpdated,
  [FlagInstructionKind.UpdateDescription]: WebhookEvent.FlagBasicInfoUpdated,
  [FlagInstructionKind.AddTags]: WebhookEvent.FlagBasicInfoUpdated,
  [FlagInstructionKind.RemoveTags]: WebhookEvent.FlagBasicInfoUpdated,
};

const SEGMENT_EVENTS: Record<SegmentInstructionKind, WebhookEvent> = {
  [SegmentInstructionKind.Archive]: WebhookEvent.SegmentArchived,
  [SegmentInstructionKind.Restore]: WebhookEvent.SegmentRestored,
  [SegmentInstructionKind.AddRule]: WebhookEvent.SegmentRulesChanged,
  [SegmentInstructionKind.RemoveRule]: WebhookEvent.SegmentRulesChanged,
  [SegmentInstructionKind.SetRules]: WebhookEvent.SegmentRulesChanged,
  [SegmentInstructionKind.UpdateRuleName]: WebhookEvent.SegmentRulesChanged,
  [SegmentInstructionKind.AddRuleConditions]: WebhookEvent.SegmentRulesChanged,
  [SegmentInstructionKind.RemoveRuleConditions]: WebhookEvent.SegmentRulesChanged,
  [SegmentInstructionKind.UpdateRuleCondition]: WebhookEvent.SegmentRulesChanged,
  [SegmentInstructionKind.AddValuesToRuleCondition]: WebhookEvent.SegmentRulesChanged,
  [SegmentInstructionKind.RemoveValuesFromRuleCondition]: WebhookEvent.SegmentRulesChanged,
  [SegmentInstructionKind.AddTargetUsersToIncluded]: WebhookEvent.SegmentTargetUsersChanged,
  [SegmentInstructionKind.RemoveTargetUsersFromIncluded]: WebhookEvent.SegmentTargetUsersChanged,
  [SegmentInstructionKind.AddTargetUsersToExcluded]: WebhookEvent.SegmentTargetUsersChanged,
  [SegmentInstructionKind.RemoveTargetUsersFromExcluded]: WebhookEvent.SegmentTargetUsersChanged,
  [SegmentInstructionKind.UpdateName]: WebhookEvent.SegmentBasicInfoUpdated,
  [SegmentInstructionKind.UpdateDescription]: WebhookEvent.SegmentBasicInfoUpdated,
  [SegmentInstructionKind.AddTags]: WebhookEvent.SegmentBasicInfoUpdated,
  [SegmentInstructionKind.RemoveTags]: WebhookEvent.SegmentBasicInfoUpdated,
};

/** The distinct events of a flag edit, in instruction order (`WebhookHandler.HandleAsync`). */
export function flagEventsOf(kinds: readonly FlagInstructionKind[]): WebhookEvent[] {
  return [...new Set(kinds.map((kind) => FLAG_EVENTS[kind]))];
}

/** The distinct events of a segment edit, in instruction order. */
export function segmentEventsOf(kinds: readonly SegmentInstructionKind[]): WebhookEvent[] {
  return [...new Set(kinds.map((kind) => SEGMENT_EVENTS[kind]))];
}
