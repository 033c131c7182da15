import type { Policy } from '../../policies/index.js';
import type { ApprovedFlagState } from '../approved-state/model/index.js';

/** The AI-config flags the demo sandbox starts with: a support prompt and a model route, both governed by the default policy. */
export function demoSeedFlags(envId: string): unknown[] {
  const variation = (id: string, name: string, value: unknown) => ({
    id,
    name,
    value: typeof value === 'string' ? value : JSON.stringify(value),
  });
  const serve = (id: string) => ({
    dispatchKey: null,
    includedInExpt: true,
    variations: [{ id, rollout: [0, 1], exptRollout: 1 }],
  });
  return [
    {
      id: 'b7a3c1de-0001-4c55-9a10-demo00000001',
      envId,
      key: 'support-assistant-prompt',
      name: 'Support assistant prompt',
      description: 'System prompt of the support assistant',
      variationType: 'json',
      variations: [
        variation('prompt-current', 'current', {
          template: 'You are a helpful support assistant. Answer from the knowledge base only.',
        }),
        variation('prompt-concise', 'concise', {
          template:
            'You are a concise support assistant. Answer from the knowledge base only, in three sentences or fewer.',
        }),
      ],
      targetUsers: [],
      rules: [],
      isEnabled: true,
      disabledVariationId: 'prompt-current',
      fallthrough: serve('prompt-current'),
      exptIncludeAllTargets: true,
      tags: ['ai-config'],
      isArchived: false,
    },
    {
      id: 'b7a3c1de-0002-4c55-9a10-demo00000002',
      envId,
      key: 'support-model-route',
      name: 'Support model route',
      description: 'Which model answers support questions',
      variationType: 'json',
      variations: [
        variation('route-current', 'current', {
          provider: 'openai',
          model: 'gpt-4o-mini',
          region: 'eu',
          latencyTargetMs: 1500,
        }),
      ],
      targetUsers: [],
      rules: [],
      isEnabled: true,
      disabledVariationId: 'route-current',
      fallthrough: serve('route-current'),
      exptIncludeAllTargets: true,
      tags: ['ai-config'],
      isArchived: false,
    },
  ];
}

/** The environment the demo sandbox plays: the policy's first governed environment. */
export function demoEnvironment(policy: Policy): { id: string; name: string } {
  const first = policy.environments[0];
  return first ? { id: first.id, name: first.name } : { id: 'demo', name: 'demo' };
}

/**
 * The demo sandbox's seed on a restart: every flag as the ledger last approved it (a FeatBit flag configuration is
 * what the approved state keeps), and the first-start seed for demo flags nothing approved yet.
 */
export function demoSeedFromApprovedState(
  envId: string,
  approved: readonly ApprovedFlagState[],
): { featureFlags: unknown[]; segments: unknown[] } {
  const byKey = new Map(approved.map((state) => [state.flagKey, state]));
  const flags = (demoSeedFlags(envId) as { key: string }[]).map((seed) => byKey.get(seed.key)?.flag ?? seed);
  const seededKeys = new Set(flags.map((flag) => (flag as { key: string }).key));
  for (const state of approved) if (!seededKeys.has(state.flagKey)) flags.push(state.flag);
  const segments = new Map(
    approved.flatMap((state) => state.segments.map((segment) => [segment.id, segment] as const)),
  );
  return { featureFlags: flags, segments: [...segments.values()] };
}
