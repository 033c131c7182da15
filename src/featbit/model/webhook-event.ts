/**
 * FeatBit's webhook event names (`Domain/Webhooks/WebhookEvents.cs`), defined once for every part that names
 * them: the sandbox that sends them, the diff that says which event FeatBit raises for a change, webhook configs.
 */
export enum WebhookEvent {
  FlagCreated = 'feature_flag.created',
  FlagToggled = 'feature_flag.toggled',
  FlagArchived = 'feature_flag.archived',
  FlagRestored = 'feature_flag.restored',
  FlagVariationChanged = 'feature_flag.variation_changed',
  FlagOffVariationChanged = 'feature_flag.off_variation_changed',
  FlagDefaultRuleChanged = 'feature_flag.default_rule_changed',
  FlagTargetUsersChanged = 'feature_flag.target_users_changed',
  FlagTargetingRulesChanged = 'feature_flag.targeting_rules_changed',
  FlagBasicInfoUpdated = 'feature_flag.basic_info_updated',
  FlagDeleted = 'feature_flag.deleted',
  SegmentCreated = 'segment.created',
  SegmentArchived = 'segment.archived',
  SegmentRestored = 'segment.restored',
  SegmentRulesChanged = 'segment.rules_changed',
  SegmentTargetUsersChanged = 'segment.target_users_changed',
  SegmentBasicInfoUpdated = 'segment.basic_info_updated',
  SegmentDeleted = 'segment.deleted',
}
