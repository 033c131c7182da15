import type { Condition, RolloutVariation, TargetRule, Variation, WebhookEvent } from '../model/index.js';
import type { ExposureVerdict } from './exposure-verdict.js';

/** What changed between two states of a flag, at least as fine as FeatBit's own change detection. */
export enum FlagChangeKind {
  Toggled = 'Toggled',
  Archived = 'Archived',
  Restored = 'Restored',
  /** The flag key changed (FeatBit's JSON Patch allows it): every percentage bucket moves; FeatBit's comparer does not see it. */
  KeyChanged = 'KeyChanged',
  NameChanged = 'NameChanged',
  DescriptionChanged = 'DescriptionChanged',
  TagsChanged = 'TagsChanged',
  VariationTypeChanged = 'VariationTypeChanged',
  VariationAdded = 'VariationAdded',
  VariationRemoved = 'VariationRemoved',
  VariationValueChanged = 'VariationValueChanged',
  VariationNameChanged = 'VariationNameChanged',
  VariationsReordered = 'VariationsReordered',
  OffVariationChanged = 'OffVariationChanged',
  DefaultRuleRolloutChanged = 'DefaultRuleRolloutChanged',
  DefaultRuleDispatchKeyChanged = 'DefaultRuleDispatchKeyChanged',
  DefaultRuleExperimentChanged = 'DefaultRuleExperimentChanged',
  TargetUsersAdded = 'TargetUsersAdded',
  TargetUsersRemoved = 'TargetUsersRemoved',
  TargetListsReordered = 'TargetListsReordered',
  RuleAdded = 'RuleAdded',
  RuleRemoved = 'RuleRemoved',
  RulesReordered = 'RulesReordered',
  RuleNameChanged = 'RuleNameChanged',
  RuleDispatchKeyChanged = 'RuleDispatchKeyChanged',
  RuleConditionAdded = 'RuleConditionAdded',
  RuleConditionRemoved = 'RuleConditionRemoved',
  RuleConditionChanged = 'RuleConditionChanged',
  RuleRolloutChanged = 'RuleRolloutChanged',
  RuleExperimentChanged = 'RuleExperimentChanged',
  ExperimentIncludeAllTargetsChanged = 'ExperimentIncludeAllTargetsChanged',
  /** A segment the flag references changed; FeatBit sends no flag webhook for it. */
  ReferencedSegmentChanged = 'ReferencedSegmentChanged',
}

interface ChangeBase {
  /** The webhook event FeatBit emits for this change, or null when FeatBit's comparer does not see it. */
  readonly featbitEvent: WebhookEvent | null;
}

/** One change between two flag states; `kind` discriminates. */
export type FlagChange = ChangeBase &
  (
    | { readonly kind: FlagChangeKind.Toggled; readonly before: boolean; readonly after: boolean }
    | { readonly kind: FlagChangeKind.Archived | FlagChangeKind.Restored }
    | {
        readonly kind: FlagChangeKind.KeyChanged | FlagChangeKind.NameChanged | FlagChangeKind.DescriptionChanged;
        readonly before: string;
        readonly after: string;
      }
    | {
        readonly kind: FlagChangeKind.TagsChanged;
        readonly added: readonly string[];
        readonly removed: readonly string[];
      }
    | { readonly kind: FlagChangeKind.VariationTypeChanged; readonly before: string; readonly after: string }
    | { readonly kind: FlagChangeKind.VariationAdded | FlagChangeKind.VariationRemoved; readonly variation: Variation }
    | {
        readonly kind: FlagChangeKind.VariationValueChanged | FlagChangeKind.VariationNameChanged;
        readonly variationId: string;
        readonly before: string;
        readonly after: string;
      }
    | {
        readonly kind: FlagChangeKind.VariationsReordered;
        readonly before: readonly string[];
        readonly after: readonly string[];
      }
    | { readonly kind: FlagChangeKind.OffVariationChanged; readonly before: string; readonly after: string }
    | {
        readonly kind: FlagChangeKind.DefaultRuleRolloutChanged | FlagChangeKind.DefaultRuleExperimentChanged;
        readonly before: readonly RolloutVariation[];
        readonly after: readonly RolloutVariation[];
      }
    | {
        readonly kind: FlagChangeKind.DefaultRuleDispatchKeyChanged;
        readonly before: string | null;
        readonly after: string | null;
      }
    | {
        readonly kind: FlagChangeKind.TargetUsersAdded | FlagChangeKind.TargetUsersRemoved;
        readonly variationId: string;
        readonly keyIds: readonly string[];
      }
    | {
        readonly kind: FlagChangeKind.TargetListsReordered;
        readonly before: readonly string[];
        readonly after: readonly string[];
      }
    | {
        readonly kind: FlagChangeKind.RuleAdded | FlagChangeKind.RuleRemoved;
        readonly rule: TargetRule;
        readonly index: number;
      }
    | {
        readonly kind: FlagChangeKind.RulesReordered;
        readonly before: readonly string[];
        readonly after: readonly string[];
      }
    | {
        readonly kind: FlagChangeKind.RuleNameChanged;
        readonly ruleId: string;
        readonly before: string;
        readonly after: string;
      }
    | {
        readonly kind: FlagChangeKind.RuleDispatchKeyChanged;
        readonly ruleId: string;
        readonly before: string | null;
        readonly after: string | null;
      }
    | {
        readonly kind: FlagChangeKind.RuleConditionAdded | FlagChangeKind.RuleConditionRemoved;
        readonly ruleId: string;
        readonly condition: Condition;
      }
    | {
        readonly kind: FlagChangeKind.RuleConditionChanged;
        readonly ruleId: string;
        readonly before: Condition;
        readonly after: Condition;
      }
    | {
        readonly kind: FlagChangeKind.RuleRolloutChanged | FlagChangeKind.RuleExperimentChanged;
        readonly ruleId: string;
        readonly before: readonly RolloutVariation[];
        readonly after: readonly RolloutVariation[];
      }
    | {
        readonly kind: FlagChangeKind.ExperimentIncludeAllTargetsChanged;
        readonly before: boolean;
        readonly after: boolean;
      }
    | {
        readonly kind: FlagChangeKind.ReferencedSegmentChanged;
        readonly segmentId: string;
        readonly membership: ExposureVerdict;
      }
  );
