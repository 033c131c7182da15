import { createHmac } from 'node:crypto';
import { canonicalJson, type JsonValue } from '../canonical/index.js';
import type { RedactionKey } from './redaction-key.js';

/** Marker key of a redacted value. */
export const REDACTED_MARKER = '$redacted';

/**
 * What replaces a secret value. `hmacSha256` is the HMAC-SHA256, under the installation's redaction key, of the
 * value's canonical JSON: a changed secret still shows as a changed hash, but without the key nobody can test
 * guesses against it. A marker without it (the ledger's safety net, which has no key) only says a secret was here.
 */
export interface RedactedValue {
  readonly [REDACTED_MARKER]: true;
  readonly hmacSha256?: string;
}

const HEX_64 = /^[0-9a-f]{64}$/;

/** The marker standing in for one secret, keyed with `key`; without a key, the bare marker. */
export function redactedValue(secret: JsonValue, key: RedactionKey | undefined): RedactedValue {
  if (!key) return { [REDACTED_MARKER]: true };
  return {
    [REDACTED_MARKER]: true,
    hmacSha256: createHmac('sha256', key).update(canonicalJson(secret), 'utf8').digest('hex'),
  };
}

/**
 * True for a marker `redactedValue` produced, and only for exactly that shape, so no value can hide next to a
 * marker and be kept as if it were one.
 */
export function isRedactedValue(value: unknown): value is RedactedValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  if (record[REDACTED_MARKER] !== true) return false;
  const keys = Object.keys(record);
  if (keys.length === 1) return true;
  return keys.length === 2 && typeof record.hmacSha256 === 'string' && HEX_64.test(record.hmacSha256);
}
