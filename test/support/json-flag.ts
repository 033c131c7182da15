/**
 * A JSON FeatBit flag as the sandbox seeds it: the variations carry the given values (the first is `current`,
 * served by the default rule and as the off variation); `rules` are added as given.
 */
export function jsonFlag(
  envId: string,
  key: string,
  variations: { id: string; name: string; value: unknown }[],
  rules: unknown[] = [],
): unknown {
  return {
    id: `flag-${key}`,
    envId,
    key,
    name: key,
    variationType: 'json',
    variations: variations.map((variation) => ({ ...variation, value: JSON.stringify(variation.value) })),
    targetUsers: [],
    rules,
    isEnabled: true,
    disabledVariationId: variations[0]!.id,
    fallthrough: {
      dispatchKey: null,
      includedInExpt: true,
      variations: [{ id: variations[0]!.id, rollout: [0, 1], exptRollout: 1 }],
    },
    exptIncludeAllTargets: true,
    tags: [],
    isArchived: false,
  };
}
