import type { ConfigSurface } from '../../src/changes/model/index.js';
import { compilePolicy } from './compiled-policy.js';
import type { GovernedEnvironment, Policy } from './policy-schema.js';

/** How a governed-flag entry named the flag. */
export enum GovernedFlagMatch {
  Key = 'key',
  KeyPattern = 'keyPattern',
  Tag = 'tag',
}

/** Why a flag is not governed. */
export enum UngovernedReason {
  EnvironmentNotGoverned = 'environment-not-governed',
  NoMatchingEntry = 'no-matching-entry',
}

/** The flag is governed: its surface, owner and baseline variation come from the matching entry. */
export interface GovernedFlagResolution {
  readonly governed: true;
  readonly environment: GovernedEnvironment;
  readonly surface: ConfigSurface;
  readonly owner: string;
  readonly baselineVariation: string;
  readonly matchedBy: GovernedFlagMatch;
  /** Position of the matching entry under `governedFlags`. */
  readonly entryIndex: number;
}

/** The flag is not governed and passes through; `environment` is set when only the entry is missing. */
export interface UngovernedFlagResolution {
  readonly governed: false;
  readonly reason: UngovernedReason;
  readonly environment?: GovernedEnvironment;
}

/** What `resolveGovernedFlag` answers. */
export type FlagResolution = GovernedFlagResolution | UngovernedFlagResolution;

/**
 * Finds the policy entry that governs a flag in an environment (named by id or readable name). An exact key
 * wins over a key pattern, which wins over a tag; among equals the first entry in the file wins. A flag in a
 * governed environment that no entry names is ungoverned, so the caller can list it to be claimed.
 */
export function resolveGovernedFlag(
  policy: Policy,
  environment: string,
  flag: { readonly key: string; readonly tags?: readonly string[] },
): FlagResolution {
  const compiled = compilePolicy(policy);
  const governedEnvironment = compiled.environments.get(environment);
  if (!governedEnvironment) return { governed: false, reason: UngovernedReason.EnvironmentNotGoverned };
  const applies = (environments: readonly string[] | undefined): boolean =>
    environments === undefined ||
    environments.some((named) => named === governedEnvironment.id || named === governedEnvironment.name);
  const candidates = compiled.governedFlags.filter(({ entry }) => applies(entry.environments));
  const byKey = candidates.find(({ entry }) => entry.key === flag.key);
  const byPattern = byKey ? undefined : candidates.find(({ keyPattern }) => keyPattern?.test(flag.key));
  const byTag =
    byKey || byPattern
      ? undefined
      : candidates.find(({ entry }) => entry.tag !== undefined && (flag.tags ?? []).includes(entry.tag));
  const found = byKey ?? byPattern ?? byTag;
  if (!found) return { governed: false, reason: UngovernedReason.NoMatchingEntry, environment: governedEnvironment };
  return {
    governed: true,
    environment: governedEnvironment,
    surface: found.entry.surface,
    owner: found.entry.owner,
    baselineVariation: found.entry.baselineVariation,
    matchedBy: byKey ? GovernedFlagMatch.Key : byPattern ? GovernedFlagMatch.KeyPattern : GovernedFlagMatch.Tag,
    entryIndex: found.index,
  };
}
