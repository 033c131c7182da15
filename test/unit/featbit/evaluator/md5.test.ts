import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dispatchBucket, md5, md5FirstInt32LE } from '@featgate/openfeature/evaluator';

const require = createRequire(import.meta.url);
/** The real Node SDK's bucketing (`DispatchAlgorithm.rolloutOfKey`), with the crypto it is given in production. */
const { DispatchAlgorithm } = require('@featbit/node-server-sdk/dist/cjs/evaluation/DispatchAlgorithm.js') as {
  DispatchAlgorithm: { rolloutOfKey(crypto: { createHash: typeof createHash }, key: string): number };
};
const nodeCrypto = { createHash };

const nodeMd5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
/** Any UTF-16 text, lone surrogates included. */
const utf16 = fc
  .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 90 })
  .map((codes) => String.fromCharCode(...codes));

describe('portable MD5', () => {
  it('reproduces the RFC 1321 test suite', () => {
    expect(hex(md5(''))).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(hex(md5('a'))).toBe('0cc175b9c0f1b6a831c399e269772661');
    expect(hex(md5('abc'))).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(hex(md5('message digest'))).toBe('f96b697d7cb7938d525a2f31aaf161d0');
    expect(hex(md5('abcdefghijklmnopqrstuvwxyz'))).toBe('c3fcd3d76192e4007dfb496cca67e13b');
    expect(hex(md5('12345678901234567890123456789012345678901234567890123456789012345678901234567890'))).toBe(
      '57edf4a22be3c955ac49da2e2107b67a',
    );
  });

  it('equals node:crypto for every length around the block and padding boundaries', () => {
    for (let length = 0; length <= 200; length += 1) {
      const ascii = 'x'.repeat(length);
      const wide = 'é'.repeat(length);
      expect(hex(md5(ascii))).toBe(nodeMd5(ascii));
      expect(hex(md5(wide))).toBe(nodeMd5(wide));
    }
    const long = '中文 prompt '.repeat(5_000);
    expect(hex(md5(long))).toBe(nodeMd5(long));
    expect(hex(md5('x'))).toBe(nodeMd5('x'));
  });

  it('equals node:crypto on any text, encoding lone surrogates as U+FFFD like Node does', () => {
    expect(hex(md5('\ud800'))).toBe(nodeMd5('\ufffd'));
    fc.assert(
      fc.property(utf16, (text) => hex(md5(text)) === nodeMd5(text)),
      { numRuns: 3_000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => hex(md5(text)) === nodeMd5(text)),
      { numRuns: 1_000 },
    );
  });

  it('gives the first digest word without allocating a digest', () => {
    fc.assert(
      fc.property(utf16, (text) => md5FirstInt32LE(text) === Buffer.from(md5(text)).readInt32LE(0)),
      { numRuns: 500 },
    );
  });
});

describe('bucketing without node:crypto', () => {
  it('equals the real Node SDK bucketing for any flag key and dispatch value', () => {
    fc.assert(
      fc.property(fc.string(), fc.oneof(utf16, fc.string({ unit: 'grapheme' })), (flagKey, value) => {
        return dispatchBucket(flagKey, value) === DispatchAlgorithm.rolloutOfKey(nodeCrypto, flagKey + value);
      }),
      { numRuns: 3_000 },
    );
  });

  it('bundles the whole evaluator for a browser with no Node built-in in its module graph', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../../../../provider/evaluator/index.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const imports = Object.values(result.metafile.inputs).flatMap((input) =>
      input.imports.map((imported) => imported.path),
    );
    expect(
      imports.filter((path) => path.startsWith('node:') || ['crypto', 'fs', 'path', 'buffer'].includes(path)),
    ).toEqual([]);
    expect(Object.keys(result.metafile.inputs)).toEqual(
      expect.arrayContaining([expect.stringContaining('evaluate-flag.ts')]),
    );
  });
});
