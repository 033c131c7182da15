import { canonicalJson, sha256Hex, type JsonValue } from '../canonical/index.js';
import type { ChangeRecord, ChangedFlag } from './change-record.js';

/** Marker key of a redacted value. */
export const REDACTED_MARKER = '$redacted';

/** What replaces a secret value: a marker and the SHA-256 of the value's canonical JSON, so a changed secret still differs. */
export interface RedactedValue {
  readonly [REDACTED_MARKER]: true;
  readonly sha256: string;
}

/** Tells whether a key names a secret; build one with `secretKeyMatcher`. */
export type SecretKeyMatcher = (key: string) => boolean;

/** Builds a matcher from the policy's secret key patterns (regular expressions, matched case-insensitively). */
export function secretKeyMatcher(patterns: readonly string[]): SecretKeyMatcher {
  if (patterns.length === 0) return () => false;
  const combined = new RegExp(patterns.map((pattern) => `(?:${pattern})`).join('|'), 'i');
  return (key) => combined.test(key);
}

/** True for a value that `redactSecrets` produced. */
export function isRedactedValue(value: unknown): value is RedactedValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    (value as Record<string, unknown>)[REDACTED_MARKER] === true &&
    typeof (value as Record<string, unknown>).sha256 === 'string'
  );
}

/**
 * Returns a copy of `value` in which every member whose key names a secret is replaced by a RedactedValue.
 * Already redacted members stay as they are, so redacting twice changes nothing.
 */
export function redactSecrets(value: JsonValue, isSecretKey: SecretKeyMatcher): JsonValue {
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, isSecretKey));
  if (value === null || typeof value !== 'object') return value;
  if (isRedactedValue(value)) return value;
  const copy: { [key: string]: JsonValue } = {};
  for (const [key, member] of Object.entries(value)) {
    copy[key] = isSecretKey(key) && !isRedactedValue(member) ? redactedValue(member) : redactSecrets(member, isSecretKey);
  }
  return copy;
}

/** The RedactedValue standing in for one secret. */
export function redactedValue(secret: JsonValue): JsonValue {
  return { [REDACTED_MARKER]: true, sha256: sha256Hex(canonicalJson(secret)) };
}

/** Redacts the baseline, candidate and rollback value of every flag of a change record; the rest is kept. */
export function redactChangeRecord(record: ChangeRecord, isSecretKey: SecretKeyMatcher): ChangeRecord {
  return { ...record, flags: record.flags.map((flag) => redactFlagValues(flag, isSecretKey)) };
}

function redactFlagValues(flag: ChangedFlag, isSecretKey: SecretKeyMatcher): ChangedFlag {
  const redacted: ChangedFlag = {
    ...flag,
    baseline: redactSecrets(flag.baseline, isSecretKey),
    candidate: redactSecrets(flag.candidate, isSecretKey),
  };
  if (flag.rollbackValue !== undefined) redacted.rollbackValue = redactSecrets(flag.rollbackValue, isSecretKey);
  return redacted;
}
