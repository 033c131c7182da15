import type { ConfigSurface } from '../../src/changes/model/index.js';
import { secretKeyMatcher, type SecretKeyMatcher } from '../../src/redaction/index.js';
import { parseJsonPath, type PathSegment } from './json-path.js';
import type { ClassificationRule, GovernedEnvironment, GovernedFlag, Policy } from './policy-schema.js';

/** A rule with its path parsed once. */
export interface CompiledRule {
  readonly rule: ClassificationRule;
  readonly segments: readonly PathSegment[];
}

/** A governed-flag entry with its key pattern turned into a regular expression. */
export interface CompiledGovernedFlag {
  readonly entry: GovernedFlag;
  readonly index: number;
  readonly keyPattern?: RegExp;
}

/** What the engine derives from a policy once and reuses for every evaluation of it. */
export interface CompiledPolicy {
  readonly rulesBySurface: ReadonlyMap<ConfigSurface, readonly CompiledRule[]>;
  readonly environments: ReadonlyMap<string, GovernedEnvironment>;
  readonly governedFlags: readonly CompiledGovernedFlag[];
  readonly isSecretKey: SecretKeyMatcher;
}

const cache = new WeakMap<Policy, CompiledPolicy>();

/** Compiles a validated policy (cached per policy object, so treat policies as immutable). */
export function compilePolicy(policy: Policy): CompiledPolicy {
  const cached = cache.get(policy);
  if (cached) return cached;
  const rulesBySurface = new Map<ConfigSurface, CompiledRule[]>();
  const compiledRules = policy.rules.map((rule) => {
    const segments = parseJsonPath(rule.path);
    if (typeof segments === 'string') throw new TypeError(`rule ${rule.id}: ${segments}`);
    return { rule, segments };
  });
  for (const surface of Object.keys(policy.surfaces) as ConfigSurface[]) {
    rulesBySurface.set(
      surface,
      compiledRules.filter(({ rule }) => rule.surface === undefined || rule.surface === surface),
    );
  }
  const environments = new Map<string, GovernedEnvironment>();
  for (const environment of policy.environments) {
    environments.set(environment.id, environment);
    environments.set(environment.name, environment);
  }
  const compiled: CompiledPolicy = {
    rulesBySurface,
    environments,
    governedFlags: policy.governedFlags.map((entry, index) =>
      entry.keyPattern === undefined ? { entry, index } : { entry, index, keyPattern: globToRegExp(entry.keyPattern) },
    ),
    isSecretKey: secretKeyMatcher(policy.secrets.keyPatterns),
  };
  cache.set(policy, compiled);
  return compiled;
}

/** Turns a glob (`*` any run of characters, `?` one character) into an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}
