import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { ConfigError } from '../errors/index.js';

/**
 * The per-installation secret that keys the hashes kept in place of redacted secrets. A KeyObject, so it never
 * shows up when something is logged or serialised.
 */
export type RedactionKey = KeyObject;

/** Fewest characters a configured redaction key may have; generated keys carry 256 random bits. */
export const MIN_REDACTION_KEY_LENGTH = 32;

/** The key for a configured text (its UTF-8 bytes); `origin` names the source in errors, which never hold the key. */
export function redactionKeyFromText(text: string, origin: string): RedactionKey {
  const trimmed = text.trim();
  if (trimmed.length < MIN_REDACTION_KEY_LENGTH) {
    throw new ConfigError(
      `${origin}: the redaction key must have at least ${MIN_REDACTION_KEY_LENGTH} characters (e.g. the output of \`openssl rand -base64 32\`)`,
    );
  }
  return createSecretKey(Buffer.from(trimmed, 'utf8'));
}

/** Text of a new random key (32 bytes, base64url), as kept in the data folder. */
export function newRedactionKeyText(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A random key that lives only in this process: for tools that redact for display and comparison (the CLI's policy
 * explanation), where no stored hash has to match later.
 */
export function ephemeralRedactionKey(): RedactionKey {
  return createSecretKey(randomBytes(32));
}
