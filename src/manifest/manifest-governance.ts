import type { Policy } from '../../policies/engine/policy-schema.js';
import type { EnvironmentGovernance } from './manifest-publisher.js';

/**
 * What a manifest of `envId` says about flags beyond their approvals: the keys and key patterns the policy governs
 * there, so gates deny a matching flag that has no entry instead of passing it. Tag entries cannot be decided from
 * a key; flags governed by tag without an approval belong in `denied` (the caller knows FeatBit's tags).
 */
export function manifestGovernanceOf(
  policy: Policy,
  envId: string,
  denied: readonly string[] = [],
): EnvironmentGovernance {
  const environment = policy.environments.find((env) => env.id === envId);
  const applies = (environments: readonly string[] | undefined): boolean =>
    environments === undefined ||
    (environment !== undefined && environments.some((named) => named === environment.id || named === environment.name));
  const entries = policy.governedFlags.filter((entry) => applies(entry.environments));
  return {
    governed: {
      keys: entries.flatMap((entry) => (entry.key === undefined ? [] : [entry.key])),
      keyPatterns: entries.flatMap((entry) => (entry.keyPattern === undefined ? [] : [entry.keyPattern])),
    },
    denied,
  };
}
