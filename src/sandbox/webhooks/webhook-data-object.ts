import type { Condition, FeatBitFlag, FeatBitSegment, RolloutVariation } from '../../featbit/model/index.js';

/** An id and a display name, as FeatBit's resource descriptor carries them. */
export interface IdName {
  readonly id: string;
  readonly name: string;
}

/** Organization, project and environment of the changed resource. */
export interface ResourceDescriptor {
  readonly organization: IdName;
  readonly project: IdName;
  readonly environment: IdName;
}

/** A flag that references a segment (`FlagReference.cs`), listed in segment webhooks. */
export interface FlagReference {
  readonly envId: string;
  readonly id: string;
  readonly name: string;
  readonly key: string;
}

/** The common head of a webhook data object (`DataObjectBuilder.New`). */
export interface WebhookHead {
  readonly events: readonly string[];
  readonly operator: string;
  /** The resource's `updatedAt`, rendered like .NET `DateTime.ToString("O")`. */
  readonly happenedAt: Date;
  readonly changes: readonly string[];
  readonly resource: ResourceDescriptor;
}

/** Formats a UTC instant like .NET's round-trip `O` format: 7 fractional digits and `Z`. */
export function formatRoundTripUtc(instant: Date): string {
  return instant.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

const condition = (c: Condition) => ({
  id: c.id ?? null,
  property: c.property ?? null,
  op: c.op ?? null,
  value: c.value ?? null,
});
const rollout = (r: RolloutVariation) => ({ id: r.id, rollout: r.rollout, exptRollout: r.exptRollout });

function head(info: WebhookHead): Record<string, unknown> {
  return {
    events: info.events.join(','),
    operator: info.operator,
    happenedAt: formatRoundTripUtc(info.happenedAt),
    organization: { id: info.resource.organization.id, name: info.resource.organization.name },
    project: { id: info.resource.project.id, name: info.resource.project.name },
    environment: { id: info.resource.environment.id, name: info.resource.environment.name },
    changes: info.changes,
  };
}

/**
 * The data object FeatBit renders a flag webhook from (`DataObjectBuilder.AddFeatureFlag`): the current flag
 * only, booleans as the strings `"true"`/`"false"`, nested parts in the property order of FeatBit's C# classes.
 */
export function flagWebhookDataObject(info: WebhookHead, flag: FeatBitFlag): Record<string, unknown> {
  return {
    ...head(info),
    data: {
      kind: 'feature flag',
      object: {
        id: flag.id,
        name: flag.name,
        description: flag.description,
        key: flag.key,
        variationType: flag.variationType,
        variations: flag.variations.map((v) => ({ id: v.id, name: v.name ?? null, value: v.value ?? null })),
        targetUsers: flag.targetUsers.map((t) => ({ keyIds: t.keyIds, variationId: t.variationId })),
        rules: flag.rules.map((rule) => ({
          id: rule.id,
          name: rule.name ?? null,
          dispatchKey: rule.dispatchKey ?? null,
          includedInExpt: rule.includedInExpt,
          conditions: rule.conditions.map(condition),
          variations: rule.variations.map(rollout),
        })),
        isEnabled: String(flag.isEnabled),
        disabledVariationId: flag.disabledVariationId,
        fallthrough: {
          dispatchKey: flag.fallthrough.dispatchKey ?? null,
          includedInExpt: flag.fallthrough.includedInExpt,
          variations: flag.fallthrough.variations.map(rollout),
        },
        exptIncludeAllTargets: String(flag.exptIncludeAllTargets),
        tags: flag.tags,
        isArchived: String(flag.isArchived),
      },
    },
  };
}

/** The data object of a segment webhook (`DataObjectBuilder.AddSegment`), with the flags that reference it. */
export function segmentWebhookDataObject(
  info: WebhookHead,
  segment: FeatBitSegment,
  flagReferences: readonly FlagReference[],
): Record<string, unknown> {
  return {
    ...head(info),
    data: {
      kind: 'segment',
      object: {
        id: segment.id,
        name: segment.name,
        description: segment.description,
        tags: segment.tags,
        included: segment.included,
        excluded: segment.excluded,
        rules: segment.rules.map((rule) => ({
          id: rule.id,
          name: rule.name ?? null,
          conditions: rule.conditions.map(condition),
        })),
        isArchived: String(segment.isArchived),
        flagReferences: flagReferences.map((ref) => ({ envId: ref.envId, id: ref.id, name: ref.name, key: ref.key })),
      },
    },
  };
}
