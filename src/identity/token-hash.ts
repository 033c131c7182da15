import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefix of featgate API tokens, so they are recognisable in secret scanners and never taken for JWTs. */
export const API_TOKEN_PREFIX = 'fgt_';

/** Lower-case hex SHA-256 of a token: what the config stores instead of the token. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random API token. */
export function generateApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
}

/** Compares two hex digests in constant time. */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
