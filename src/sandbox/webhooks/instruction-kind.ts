/** FeatBit's flag instruction kinds (`Domain/SemanticPatch/FlagInstructionKind.cs`), as audit logs name them. */
export enum FlagInstructionKind {
  TurnFlagOn = 'TurnFlagOn',
  TurnFlagOff = 'TurnFlagOff',
  UpdateName = 'UpdateName',
  UpdateDescription = 'UpdateDescription',
  AddTags = 'AddTags',
  RemoveTags = 'RemoveTags',
  ArchiveFlag = 'ArchiveFlag',
  RestoreFlag = 'RestoreFlag',
  AddVariation = 'AddVariation',
  RemoveVariation = 'RemoveVariation',
  UpdateVariationType = 'UpdateVariationType',
  UpdateVariation = 'UpdateVariation',
  UpdateDisabledVariation = 'UpdateDisabledVariation',
  UpdateDefaultRuleVariationOrRollouts = 'UpdateDefaultRuleVariationOrRollouts',
  UpdateDefaultRuleDispatchKey = 'UpdateDefaultRuleDispatchKey',
  AddTargetUsers = 'AddTargetUsers',
  RemoveTargetUsers = 'RemoveTargetUsers',
  SetTargetUsers = 'SetTargetUsers',
  AddRule = 'AddRule',
  RemoveRule = 'RemoveRule',
  SetRules = 'SetRules',
  UpdateRuleName = 'UpdateRuleName',
  UpdateRuleDispatchKey = 'UpdateRuleDispatchKey',
  AddRuleConditions = 'AddRuleConditions',
  RemoveRuleConditions = 'RemoveRuleConditions',
  UpdateRuleCondition = 'UpdateRuleCondition',
  AddValuesToRuleCondition = 'AddValuesToRuleCondition',
  RemoveValuesFromRuleCondition = 'RemoveValuesFromRuleCondition',
  UpdateRuleVariationOrRollouts = 'UpdateRuleVariationOrRollouts',
}

/** FeatBit's segment instruction kinds (`Domain/SemanticPatch/SegmentInstructionKind.cs`). */
export enum SegmentInstructionKind {
  Archive = 'Archive',
  Restore = 'Restore',
  UpdateName = 'UpdateName',
  UpdateDescription = 'UpdateDescription',
  AddTags = 'AddTags',
  RemoveTags = 'RemoveTags',
  AddRule = 'AddRule',
  RemoveRule = 'RemoveRule',
  SetRules = 'SetRules',
  UpdateRuleName = 'UpdateRuleName',
  AddRuleConditions = 'AddRuleConditions',
  RemoveRuleConditions = 'RemoveRuleConditions',
  UpdateRuleCondition = 'UpdateRuleCondition',
  AddValuesToRuleCondition = 'AddValuesToRuleCondition',
  RemoveValuesFromRuleCondition = 'RemoveValuesFromRuleCondition',
  AddTargetUsersToIncluded = 'AddTargetUsersToIncluded',
  RemoveTargetUsersFromIncluded = 'RemoveTargetUsersFromIncluded',
  AddTargetUsersToExcluded = 'AddTargetUsersToExcluded',
  RemoveTargetUsersFromExcluded = 'RemoveTargetUsersFromExcluded',
}

/** One semantic change found by a comparer: its kind and the value FeatBit attaches to it. */
export interface Instruction<K extends string = string> {
  readonly kind: K;
  readonly value: unknown;
}
