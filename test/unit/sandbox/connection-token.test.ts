import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeConnectionToken, encodeConnectionToken } from '../../../src/sandbox/index.js';

/** The Node SDK's own token generator (`src/data-sync/utils.ts`), loaded from the installed package. */
const { generateConnectionToken } = createRequire(import.meta.url)(
  '@featbit/node-server-sdk/dist/cjs/data-sync/utils.js',
) as {
  generateConnectionToken: (secret: string) => string;
};

const secret44 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('base64'));

describe('the streaming connection token (ES Domain/Shared/Token.cs)', () => {
  it('decodes every token the real Node SDK generates back to its env secret and time', () => {
    fc.assert(
      fc.property(secret44, (secret) => {
        const before = Date.now();
        const decoded = decodeConnectionToken(generateConnectionToken(secret));
        expect(decoded?.secret).toBe(secret);
        expect(decoded!.timestamp).toBeGreaterThanOrEqual(before);
        expect(decoded!.timestamp).toBeLessThanOrEqual(Date.now());
      }),
      { numRuns: 300 },
    );
  });

  it('encodes tokens the decoder reads at any splice position', () => {
    fc.assert(
      fc.property(
        secret44,
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 2 ** 45 }),
        (secret, position, now) => {
          expect(decodeConnectionToken(encodeConnectionToken(secret, now, position))).toEqual({
            secret,
            timestamp: now,
          });
        },
      ),
    );
  });

  it('refuses tokens that are too short, use digits outside the alphabet, or carry a secret of the wrong length', () => {
    expect(decodeConnectionToken('QQB')).toBeUndefined();
    expect(decodeConnectionToken(`QQ1QW${'a'.repeat(50)}`)).toBeUndefined();
    expect(decodeConnectionToken(encodeConnectionToken('c2hvcnQ='))).toBeUndefined();
  });
});
