import type { Policy } from '../../policies/index.js';
import { secretKeyMatcher, type SecretKeyMatcher } from '../redaction/index.js';

export { DecisionStatus } from '../../policies/index.js';

const matchers = new WeakMap<Policy, SecretKeyMatcher>();

/** The policy's secret-key matcher, built once per policy object. */
export function secretKeyMatcherOf(policy: Policy): SecretKeyMatcher {
  let matcher = matchers.get(policy);
  if (!matcher) {
    matcher = secretKeyMatcher(policy.secrets.keyPatterns);
    matchers.set(policy, matcher);
  }
  return matcher;
}
