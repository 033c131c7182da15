import { createHmac } from 'node:crypto';

/** `X-FeatBit-Signature-256` value: `sha256=` + lowercase hex HMAC-SHA256 of the exact body, keyed by the secret. */
export function signWebhookPayload(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(body, 'utf8')).digest('hex')}`;
}
