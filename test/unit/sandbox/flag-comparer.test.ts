import { describe, expect, it } from 'vitest';
import { flagSchema, segmentSchema, WebhookEvent, type FeatBitFlag } from '../../../src/featbit/model/index.js';
import {
  compareFlags,
  compareSegments,
  describeFlagInstruction,
  flagEventsOf,
  FlagInstructionKind,
  segmentEventsOf,
} from '../../../src/sandbox/index.js';
import { readReference } from '../../support/reference.js';

const flags = (readReference('server-sdk-flags.eval-server-fakes.json') as unknown[]).map((flag) =>
  flagSchema.parse(flag),
);
const twoRules = flags.find((flag) => flag.key === 'two-custom-rules')!;
const edit = (mutate: (flag: FeatBitFlag) => void): FeatBitFlag => {
  const copy = structuredClone(twoRules);
  mutate(copy);
  return copy;
};
const eventsOf = (current: FeatBitFlag) =>
  flagEventsOf(compareFlags(twoRules, current).map((instruction) => instruction.kind));

describe('FeatBit FlagComparer emulation', () => {
  it('sees nothing when rules are only reordered', () => {
    expect(
      compareFlags(
        twoRules,
        edit((flag) => flag.rules.reverse()),
      ),
    ).toEqual([]);
  });

  it('sees nothing when a dispatch key is set to null', () => {
    const withKey = edit((flag) => (flag.rules[1]!.dispatchKey = 'keyId'));
    const toNull = structuredClone(withKey);
    toNull.rules[1]!.dispatchKey = null;
    toNull.fallthrough.dispatchKey = null;
    expect(compareFlags(withKey, toNull)).toEqual([]);
  });

  it('sees nothing for experiment-only fields', () => {
    const current = edit((flag) => {
      flag.exptIncludeAllTargets = !flag.exptIncludeAllTargets;
      flag.rules[0]!.includedInExpt = !flag.rules[0]!.includedInExpt;
      flag.fallthrough.variations[0]!.exptRollout = 0.5;
    });
    expect(compareFlags(twoRules, current)).toEqual([]);
  });

  it('reports a default-rule change and a rule change as two events in FeatBit order', () => {
    const current = edit((flag) => {
      flag.rules[0]!.name = 'Renamed';
      flag.fallthrough.variations = [{ ...flag.fallthrough.variations[0]!, id: flag.variations[1]!.id }];
    });
    expect(eventsOf(current)).toEqual([WebhookEvent.FlagDefaultRuleChanged, WebhookEvent.FlagTargetingRulesChanged]);
  });

  it('reports added and removed IsOneOf values instead of a condition update', () => {
    const current = edit((flag) => (flag.rules[1]!.conditions[0]!.value = '["cn","us","jp","gb","es","fr"]'));
    const kinds = compareFlags(twoRules, current).map((instruction) => instruction.kind);
    expect(kinds).toEqual([
      FlagInstructionKind.RemoveValuesFromRuleCondition,
      FlagInstructionKind.AddValuesToRuleCondition,
    ]);
    expect(
      compareFlags(
        twoRules,
        edit((flag) => (flag.rules[1]!.conditions[0]!.value = '["us","cn","jp","gb","es","ss"]')),
      ),
    ).toEqual([]);
  });

  it('describes changes with FeatBit wording', () => {
    const current = edit((flag) => {
      flag.isEnabled = false;
      flag.disabledVariationId = flag.variations[0]!.id;
      flag.rules = [];
    });
    const changes = compareFlags(twoRules, current).map((instruction) =>
      describeFlagInstruction(instruction, twoRules, current),
    );
    expect(changes).toEqual([
      `Turn off flag: ${twoRules.name}`,
      `Disabled variation updated to '${twoRules.variations[0]!.name}'`,
      'Clear rules',
    ]);
  });

  it('derives segment events from included, excluded and rule edits', () => {
    const segment = segmentSchema.parse((readReference('server-sdk-segments.eval-server-fakes.json') as unknown[])[0]);
    const current = structuredClone(segment);
    current.included = [...current.included, 'new-user'];
    current.rules[0]!.name = 'Renamed';
    const kinds = compareSegments(segment, current).map((instruction) => instruction.kind);
    expect(segmentEventsOf(kinds)).toEqual([WebhookEvent.SegmentTargetUsersChanged, WebhookEvent.SegmentRulesChanged]);
  });
});
