import type { JsonValue } from '../canonical/index.js';
import { isRedactedValue, redactedValue } from './redacted-value.js';
import type { RedactionKey } from './redaction-key.js';
import type { SecretKeyMatcher } from './secret-key-matcher.js';

/**
 * Returns a copy of `value` in which every member whose name `isSecretKey` accepts, at any depth, is replaced by a
 * redaction marker keyed with `key` (a bare marker when `key` is undefined). Markers already in place are kept, so
 * redacting twice changes nothing. Pure: the key is a parameter, never read from the environment.
 */
export function redactSecrets(
  value: JsonValue,
  isSecretKey: SecretKeyMatcher,
  key: RedactionKey | undefined,
): JsonValue {
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, isSecretKey, key));
  if (value === null || typeof value !== 'object') return value;
  if (isRedactedValue(value)) return value;
  const copy: { [name: string]: JsonValue } = {};
  for (const [name, member] of Object.entries(value)) {
    copy[name] =
      isSecretKey(name) && !isRedactedValue(member)
        ? { ...redactedValue(member, key) }
        : redactSecrets(member, isSecretKey, key);
  }
  return copy;
}
