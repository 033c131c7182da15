import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** Serialises a JSON value per RFC 8785 (JCS), so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be serialised as JSON');
  return text;
}

/** Lower-case hex SHA-256 of a string's UTF-8 bytes. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** SHA-256 of a value's canonical JSON: a stable fingerprint of content. */
export function contentHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
