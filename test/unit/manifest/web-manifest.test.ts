import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileManifest, webManifestFor } from '../../../src/manifest/index.js';
import { ApprovedFlag } from '../../../provider/core/approved-flag.js';
import { approvedState, featBitFlag, featBitSegment } from '../provider/gate-fixtures.js';

const ENV = 'env-web-unit';
const isSecretKey = (key: string) => /api[-_]?key|token$|secret$/i.test(key);
const email = fc
  .tuple(fc.stringMatching(/^[a-z]{3,8}$/), fc.constantFrom('example.com', 'corp.test'))
  .map(([name, domain]) => `${name}@${domain}`);

describe('per-context web manifests', () => {
  it('never hold another user key or segment member, and give each context exactly its approved decision', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(email, { minLength: 3, maxLength: 12 }),
        fc.integer({ min: 0, max: 100 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (users, pick, share) => {
          const [targeted, member, ...others] = users;
          const segment = featBitSegment({
            id: 'seg-beta',
            name: 'beta',
            included: [member!, ...others.slice(0, 2)],
            excluded: [],
            rules: [],
          });
          const flag = featBitFlag({
            key: 'assistant-tone',
            variationType: 'string',
            variations: [
              { id: 'calm', name: 'calm', value: 'calm' },
              { id: 'bold', name: 'bold', value: 'bold' },
              { id: 'wild', name: 'wild', value: 'wild' },
            ],
            disabledVariationId: 'calm',
            targetUsers: [{ keyIds: [targeted!], variationId: 'wild' }],
            rules: [
              {
                id: 'r',
                name: 'beta',
                dispatchKey: null,
                conditions: [{ property: 'User is in segment', op: null, value: '["seg-beta"]' }],
                variations: [{ id: 'bold', rollout: [0, 1] }],
              },
            ],
            fallthrough: {
              variations: [
                { id: 'bold', rollout: [0, share] },
                { id: 'calm', rollout: [share, 1] },
              ],
            },
          });
          const server = compileManifest(ENV, [approvedState(ENV, flag, 'calm', 1, [segment])], {
            issuedAt: new Date(),
            ttlMs: 60_000,
          });
          const me = users[pick % users.length]!;
          const web = webManifestFor(
            server,
            { targetingKey: me },
            { issuedAt: new Date(), ttlMs: 60_000, isSecretKey },
          );
          const text = JSON.stringify(web);
          for (const other of users.filter((user) => user !== me)) expect(text).not.toContain(JSON.stringify(other));
          const expected = new ApprovedFlag(
            'assistant-tone',
            server.flags['assistant-tone']!,
          ).approvedVariationForContext({ targetingKey: me });
          const entry = web.flags['assistant-tone']!;
          expect(new ApprovedFlag('assistant-tone', entry).approvedVariationForContext({ targetingKey: me })).toBe(
            expected,
          );
          expect(entry.variations.map((variation) => variation.id).sort()).toEqual(
            [...new Set(['calm', expected!])].sort(),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('deny flags whose approved values hold a secret-named member, however deep', () => {
    const route = featBitFlag({
      key: 'support-model-route',
      variationType: 'json',
      variations: [
        { id: 'v', name: 'v', value: JSON.stringify({ providers: [{ name: 'a', auth: { apiKey: 'sk-1' } }] }) },
      ],
      disabledVariationId: 'v',
      fallthrough: { variations: [{ id: 'v', rollout: [0, 1] }] },
    });
    const server = compileManifest(ENV, [approvedState(ENV, route, 'v')], { issuedAt: new Date(), ttlMs: 60_000 });
    const web = webManifestFor(server, { targetingKey: 'u' }, { issuedAt: new Date(), ttlMs: 60_000, isSecretKey });
    expect(web.flags).toEqual({});
    expect(web.denied).toEqual(['support-model-route']);
    expect(JSON.stringify(web)).not.toContain('sk-1');
  });
});
