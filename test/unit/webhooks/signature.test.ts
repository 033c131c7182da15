import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseWebhookSecrets, signFeatBitBody, verifyFeatBitSignature } from '../../../webhooks/index.js';
import { ConfigError } from '../../../src/errors/index.js';

const body = Buffer.from('{"event":"feature_flag.toggled","operator":"alice"}', 'utf8');

function independentSignature(payload: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`;
}

describe('FeatBit webhook signature', () => {
  it('matches the test vector from FeatBit’s documentation', () => {
    expect(signFeatBitBody('Hello, World!', "It's a Secret to Everybody")).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it('accepts a signature computed independently over the exact body bytes', () => {
    expect(verifyFeatBitSignature(body, independentSignature(body, 's3cret'), ['s3cret'])).toBe(true);
  });

  it('accepts either secret while a secret is rotated', () => {
    const secrets = parseWebhookSecrets(['new-secret', 'old-secret']);
    expect(verifyFeatBitSignature(body, independentSignature(body, 'old-secret'), secrets)).toBe(true);
    expect(verifyFeatBitSignature(body, independentSignature(body, 'new-secret'), secrets)).toBe(true);
    expect(verifyFeatBitSignature(body, independentSignature(body, 'retired-secret'), secrets)).toBe(false);
  });

  it('rejects a missing header, a header without the sha256= prefix and a wrong secret', () => {
    expect(verifyFeatBitSignature(body, undefined, ['s3cret'])).toBe(false);
    expect(verifyFeatBitSignature(body, independentSignature(body, 's3cret').slice('sha256='.length), ['s3cret'])).toBe(
      false,
    );
    expect(verifyFeatBitSignature(body, independentSignature(body, 'other'), ['s3cret'])).toBe(false);
  });

  it('rejects a signature over different bytes, even one re-serialised to equal JSON', () => {
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8')), null, 2));
    expect(verifyFeatBitSignature(body, independentSignature(reformatted, 's3cret'), ['s3cret'])).toBe(false);
  });

  it('rejects, without throwing, signatures of the wrong length or with non-hex characters (timing-safe compare needs equal lengths)', () => {
    const good = independentSignature(body, 's3cret');
    expect(verifyFeatBitSignature(body, good.slice(0, -2), ['s3cret'])).toBe(false);
    expect(verifyFeatBitSignature(body, `${good}00`, ['s3cret'])).toBe(false);
    expect(verifyFeatBitSignature(body, `${good.slice(0, -1)}z`, ['s3cret'])).toBe(false);
    expect(verifyFeatBitSignature(body, 'sha256=', ['s3cret'])).toBe(false);
  });

  it('rejects a signature that differs from the right one in its last hex digit only', () => {
    const good = independentSignature(body, 's3cret');
    const last = good.at(-1) === '0' ? '1' : '0';
    expect(verifyFeatBitSignature(body, good.slice(0, -1) + last, ['s3cret'])).toBe(false);
  });

  it('accepts upper-case hex as the same signature', () => {
    const good = independentSignature(body, 's3cret');
    expect(verifyFeatBitSignature(body, `sha256=${good.slice(7).toUpperCase()}`, ['s3cret'])).toBe(true);
  });

  it('refuses to run without any secret, so unsigned deliveries are never trusted', () => {
    expect(() => parseWebhookSecrets('')).toThrow(ConfigError);
    expect(() => parseWebhookSecrets('  ')).toThrow(/FEATBIT_WEBHOOK_SECRET/);
    expect(() => parseWebhookSecrets(undefined)).toThrow(ConfigError);
    expect(() => parseWebhookSecrets([])).toThrow(ConfigError);
  });

  it('takes a secret as its exact bytes, commas and edge spaces included, as FeatBit signs with it', () => {
    const secret = ' s3cret,with a comma ';
    const secrets = parseWebhookSecrets(secret);
    expect(secrets).toEqual([secret]);
    expect(verifyFeatBitSignature(body, independentSignature(body, secret), secrets)).toBe(true);
    expect(verifyFeatBitSignature(body, independentSignature(body, 's3cret'), secrets)).toBe(false);
    expect(verifyFeatBitSignature(body, independentSignature(body, secret.trim()), secrets)).toBe(false);
  });
});
