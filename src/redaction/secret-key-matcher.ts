/** Tells whether a member name names a secret; build one with `secretKeyMatcher`. */
export type SecretKeyMatcher = (key: string) => boolean;

/** Builds a matcher from the policy's secret key patterns (regular expressions, matched case-insensitively). */
export function secretKeyMatcher(patterns: readonly string[]): SecretKeyMatcher {
  if (patterns.length === 0) return () => false;
  const combined = new RegExp(patterns.map((pattern) => `(?:${pattern})`).join('|'), 'i');
  return (key) => combined.test(key);
}

/** Member names (compared case-insensitively) whose values never reach the ledger, whatever the policy says. */
const ALWAYS_SECRET = new Set(
  [
    'authorization',
    'password',
    'secret',
    'token',
    'apiKey',
    'accessToken',
    'signingKey',
    'webhookSecret',
    'privateKey',
  ].map((name) => name.toLowerCase()),
);

/** The ledger's last line of defence: names that are secret in every installation. */
export const isAlwaysSecretKey: SecretKeyMatcher = (key) => ALWAYS_SECRET.has(key.toLowerCase());
