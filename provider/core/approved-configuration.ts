import { isSegmentCondition } from '../evaluator/condition-matcher.js';
import {
  type Condition,
  type FeatBitFlag,
  type FeatBitSegment,
  type RolloutVariation,
} from '../featbit-model/index.js';
import type { GrantCondition, GrantRollout, ManifestFlag } from '../manifest/manifest-schema.js';

/** A governed flag's approved FeatBit configuration, rebuilt from its manifest entry for the project's evaluator. */
export interface ApprovedConfiguration {
  readonly flag: FeatBitFlag;
  readonly segments: ReadonlyMap<string, FeatBitSegment>;
  /** Every user property the configuration reads (conditions, segment rules, dispatch keys), `keyId`/`name` aside. */
  readonly properties: readonly string[];
}

/**
 * Rebuilds the approved FeatBit flag and the segments it references from a manifest entry, so a gate decides with
 * `evaluateFlag` itself: a context is inside the grant of variation V exactly when the approved configuration
 * evaluates to V for it. Built once per verified manifest, never per evaluation.
 */
export function approvedConfigurationOf(flagKey: string, entry: ManifestFlag): ApprovedConfiguration {
  const { grants } = entry;
  const flag: FeatBitFlag = {
    key: flagKey,
    variationType: entry.variationType,
    variations: entry.variations.map(({ id, name, value }) => ({ id, name, value })),
    targetUsers: grants.targetUsers.map(({ keyIds, variationId }) => ({ keyIds, variationId })),
    rules: grants.rules.map((rule) => ({
      id: rule.id,
      name: rule.name,
      dispatchKey: rule.dispatchKey,
      conditions: rule.conditions.map(toCondition),
      variations: rule.variations.map(toRollout),
    })),
    isEnabled: grants.isEnabled,
    disabledVariationId: grants.disabledVariationId,
    fallthrough: {
      dispatchKey: grants.fallthrough.dispatchKey,
      variations: grants.fallthrough.variations.map(toRollout),
    },
    isArchived: false,
  };
  const segments = new Map<string, FeatBitSegment>(
    grants.segments.map((segment) => [
      segment.id,
      {
        id: segment.id,
        included: segment.included,
        excluded: segment.excluded,
        rules: segment.rules.map((rule) => ({ conditions: rule.conditions.map(toCondition) })),
      },
    ]),
  );
  return { flag, segments, properties: propertiesReadBy(flag, [...segments.values()]) };
}

function propertiesReadBy(flag: FeatBitFlag, segments: readonly FeatBitSegment[]): string[] {
  const properties = new Set<string>();
  const add = (property: string | null | undefined): void => {
    if (property && property !== 'keyId' && property !== 'name') properties.add(property);
  };
  for (const rule of flag.rules) {
    add(rule.dispatchKey);
    for (const condition of rule.conditions) if (!isSegmentCondition(condition)) add(condition.property);
  }
  add(flag.fallthrough.dispatchKey);
  for (const segment of segments)
    for (const rule of segment.rules) for (const condition of rule.conditions) add(condition.property);
  return [...properties];
}

function toCondition({ property, op, value }: GrantCondition): Condition {
  return { property, op, value };
}

function toRollout({ id, rollout }: GrantRollout): RolloutVariation {
  return { id, rollout: [rollout[0], rollout[1]] };
}
