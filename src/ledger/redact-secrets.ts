import type { JsonObject, JsonValue } from '../canonical/index.js';

/** Placeholder stored instead of a secret value. */
export const REDACTED = '[redacted]';

/** Field names (compared case-insensitively) whose values never reach the ledger, wherever they are nested. */
const SECRET_FIELDS = new Set(
  ['authorization', 'password', 'secret', 'token', 'apiKey', 'accessToken', 'signingKey', 'webhookSecret', 'privateKey'].map(
    (name) => name.toLowerCase(),
  ),
);

/** Returns a copy of `data` with every secret-named field replaced by REDACTED, so entries never hold secrets. */
export function redactSecrets(data: JsonObject): JsonObject {
  return redactObject(data);
}

function redactObject(object: JsonObject): JsonObject {
  const copy: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    copy[key] = SECRET_FIELDS.has(key.toLowerCase()) && !isHashedRedaction(value) ? REDACTED : redactValue(value);
  }
  return copy;
}

function redactValue(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === 'object') return redactObject(value);
  return value;
}

/** A change record's `{"$redacted": true, "sha256": ...}` marker holds no secret; keeping it lets a changed secret show. */
function isHashedRedaction(value: JsonValue): boolean {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    value.$redacted === true &&
    typeof value.sha256 === 'string' &&
    Object.keys(value).length === 2
  );
}
