import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateFlag, type FeatBitUser } from '@featgate/openfeature/evaluator';
import { flagSchema, segmentSchema } from '../../../src/featbit/model/index.js';
import { compileManifest } from '../../../src/manifest/index.js';
import { featBitUserFromContext } from '../../../provider/index.js';
import { ApprovedFlag } from '../../../provider/core/approved-flag.js';
import { SseParser } from '../../../provider/core/sse-parser.js';
import { readReference } from '../../support/reference.js';
import { approvedState } from './gate-fixtures.js';

const flags = (readReference('server-sdk-flags.eval-server-fakes.json') as unknown[]).map((flag) =>
  flagSchema.parse(flag),
);
const segments = (readReference('server-sdk-segments.eval-server-fakes.json') as unknown[]).map((segment) =>
  segmentSchema.parse(segment),
);

describe('grants decide like FeatBit evaluates the approved configuration', () => {
  it('picks the same variation as the evaluator for every reference flag and many users', () => {
    const manifest = compileManifest(
      'env',
      flags.map((flag) => approvedState('env', flag, flag.variations[0]!.id, 1, segments)),
      { issuedAt: new Date(), ttlMs: 60_000 },
    );
    const lookup = (id: string) => segments.find((segment) => segment.id === id);
    const user = fc.record({
      keyId: fc.oneof(fc.constantFrom('true-1', 'false-1', 'user-12', 'user-18'), fc.string({ minLength: 1 })),
      name: fc.constantFrom('alice', 'bob_qa', 'qa'),
      customizedProperties: fc.record({
        age: fc.integer({ min: 0, max: 90 }).map(String),
        country: fc.constantFrom('cn', 'us', 'fr', ''),
      }),
    });
    for (const flag of flags) {
      const approved = new ApprovedFlag(flag.key, manifest.flags[flag.key]!);
      fc.assert(
        fc.property(
          user,
          (candidate: FeatBitUser) =>
            approved.approvedVariationFor(candidate) === evaluateFlag(flag, candidate, lookup).variationId,
        ),
        { numRuns: 300 },
      );
    }
  });

  it('decides an OpenFeature context like the evaluator on its full conversion, though it converts only what the grants read', () => {
    const manifest = compileManifest(
      'env',
      flags.map((flag) => approvedState('env', flag, flag.variations[0]!.id, 1, segments)),
      { issuedAt: new Date(), ttlMs: 60_000 },
    );
    const lookup = (id: string) => segments.find((segment) => segment.id === id);
    const attribute = fc.oneof(
      fc.integer({ min: 0, max: 90 }),
      fc.constantFrom('cn', 'us', 'fr', '', 'true'),
      fc.boolean(),
      fc.constant(null),
    );
    const context = fc.record(
      {
        targetingKey: fc.oneof(fc.constantFrom('true-1', 'false-1', 'user-12', 'user-18'), fc.string({ minLength: 1 })),
        name: fc.constantFrom('alice', 'bob_qa', 'qa'),
        age: attribute,
        country: attribute,
        isMember: attribute,
        plan: attribute,
      },
      { requiredKeys: ['targetingKey'] },
    );
    for (const flag of flags) {
      const approved = new ApprovedFlag(flag.key, manifest.flags[flag.key]!);
      fc.assert(
        fc.property(context, (candidate) => {
          const full = evaluateFlag(flag, featBitUserFromContext(candidate), lookup).variationId;
          return approved.approvedVariationForContext(candidate) === full;
        }),
        { numRuns: 300 },
      );
    }
  });

  it('reads an OpenFeature context the way FeatBit operators need: every attribute a string', () => {
    const context = { targetingKey: 'u-1', name: 'Ann', age: 42, beta: true, tags: ['a'], signup: '2026-01-01' };
    expect(featBitUserFromContext(context)).toEqual({
      keyId: 'u-1',
      name: 'Ann',
      customizedProperties: { age: '42', beta: 'true', tags: '["a"]', signup: '2026-01-01' },
    });
    expect(featBitUserFromContext({ key: 'legacy' }).keyId).toBe('legacy');
  });
});

describe('SSE parsing', () => {
  it('joins chunks, skips heartbeats and gives each event only its own id', () => {
    const parser = new SseParser();
    expect(parser.push('retry: 1000\n\n: heartbeat\n\nevent: manifest\nid: "e1"\nda')).toEqual([]);
    expect(parser.push('ta: abc\r\ndata: def\n\nevent: manifest\ndata: x\n')).toEqual([
      { event: 'manifest', data: 'abc\ndef', id: '"e1"' },
    ]);
    expect(parser.push('\n')).toEqual([{ event: 'manifest', data: 'x' }]);
  });

  it('gives the same events however the stream is split and whichever line breaks it uses', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', ':', ' ', 'é', '.'), maxLength: 30 });
    const event = fc.record({
      name: fc.constantFrom('manifest', 'other'),
      id: text,
      data: fc.array(text, { minLength: 1, maxLength: 3 }),
    });
    const stream = fc.record({
      events: fc.array(event, { maxLength: 5 }),
      newline: fc.constantFrom('\n', '\r\n', '\r'),
      cuts: fc.array(fc.nat(), { maxLength: 8 }),
    });
    fc.assert(
      fc.property(stream, ({ events, newline, cuts }) => {
        const body = events
          .map(
            (item) =>
              [
                `: heartbeat`,
                `event: ${item.name}`,
                `id: ${item.id}`,
                ...item.data.map((line) => `data: ${line}`),
                '',
              ].join(newline) + newline,
          )
          .join('');
        const positions = [...new Set(cuts.map((cut) => cut % (body.length + 1)))].sort((a, b) => a - b);
        const parser = new SseParser();
        const parsed = [];
        let from = 0;
        for (const position of [...positions, body.length]) {
          parsed.push(...parser.push(body.slice(from, position)));
          from = position;
        }
        const expected = events.map((item) => ({ event: item.name, data: item.data.join('\n'), id: item.id }));
        expect(parsed).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
