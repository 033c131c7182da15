import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../../src/errors/index.js';

/** Header FeatBit puts the body signature in: `sha256=<lowercase hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'x-featbit-signature-256';

const SIGNATURE_PREFIX = 'sha256=';
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** Computes FeatBit's signature header value for a body, the way FeatBit signs deliveries. */
export function signFeatBitBody(body: Buffer | string, secret: string): string {
  return SIGNATURE_PREFIX + createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('hex');
}

/**
 * Whether `header` is a valid signature of the exact `body` bytes under any of `secrets` (several are accepted
 * while a secret is rotated). Every secret is checked with a constant-time comparison of equal-length buffers, so
 * the answer time does not reveal how much of a guess was right or which secret matched.
 */
export function verifyFeatBitSignature(body: Buffer, header: string | undefined, secrets: readonly string[]): boolean {
  if (!header || !header.startsWith(SIGNATURE_PREFIX)) return false;
  const hex = header.slice(SIGNATURE_PREFIX.length).trim();
  if (!HEX_SHA256.test(hex)) return false;
  const given = Buffer.from(hex.toLowerCase(), 'hex');
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest();
    if (timingSafeEqual(expected, given)) matched = true;
  }
  return matched;
}

/**
 * Reads the webhook secrets from configuration. A string is one secret taken as its exact bytes: FeatBit signs with
 * the secret verbatim, so a comma or an edge space belongs to it (rotation goes through a list, or
 * `FEATBIT_WEBHOOK_SECRET_PREVIOUS`, which cannot collide with a secret's content). Refuses an empty list and
 * blank secrets (FeatBit sends no signature for a blank one): an unsigned webhook is never trusted
 * (ARCHITECTURE.md invariant 7).
 */
export function parseWebhookSecrets(value: string | readonly string[] | undefined): string[] {
  const secrets = typeof value === 'string' ? [value] : [...(value ?? [])];
  if (secrets.some((secret) => secret.trim().length === 0)) {
    throw new ConfigError(
      'FEATBIT_WEBHOOK_SECRET: a webhook secret is blank; FeatBit sends no signature for a blank secret',
    );
  }
  if (secrets.length === 0) {
    throw new ConfigError(
      'FEATBIT_WEBHOOK_SECRET: at least one webhook secret is required to verify FeatBit deliveries',
    );
  }
  return secrets;
}
