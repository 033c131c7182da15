/** A JSON model-route flag the bridge benches govern: `current` (baseline) and `candidate`, on a given fallthrough. */
export function benchRouteFlag(envId: string, key: string, fallthrough: unknown): Record<string, unknown> {
  const current = `${key}-current`;
  return {
    id: `id-${key}`,
    envId,
    key,
    name: key,
    variationType: 'json',
    variations: [
      { id: current, name: 'current', value: '{"model":"a"}' },
      { id: `${key}-candidate`, name: 'candidate', value: '{"model":"b"}' },
    ],
    targetUsers: [],
    rules: [],
    isEnabled: true,
    disabledVariationId: current,
    fallthrough,
    exptIncludeAllTargets: true,
    tags: [],
    isArchived: false,
  };
}
