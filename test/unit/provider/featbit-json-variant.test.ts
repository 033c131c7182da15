import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { sdkUserFromContext } from '../../../provider/featbit/featbit-user.js';
import { featBitFlag } from './gate-fixtures.js';
import { liveFeatBit } from './live-featbit.js';

const DOMAIN = 'featbit-json-variant';

/** A JSON value written by FeatBit: its content and one of several spellings of it (key order, spacing). */
const spelled = fc
  .record({ content: fc.jsonValue({ maxDepth: 3 }), indent: fc.constantFrom(0, 2), reversed: fc.boolean() })
  .map(({ content, indent, reversed }) => {
    const reorder = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reorder)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(
              (reversed ? Object.entries(value).reverse() : Object.entries(value)).map(([key, item]) => [
                key,
                reorder(item),
              ]),
            )
          : value;
    return { content, raw: JSON.stringify(reorder(content), null, indent) };
  });

afterAll(async () => {
  await OpenFeature.clearProviders();
});

describe('FeatBit provider, JSON flags identified by their stored string', async () => {
  const live = await liveFeatBit([]);
  await OpenFeature.setProviderAndWait(DOMAIN, live.provider);
  const client = OpenFeature.getClient(DOMAIN);

  it('serves what the SDK parses, with the variant of the one variation holding that content (none when several do)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(spelled, { minLength: 1, maxLength: 4 }), fc.nat(), async (values, pick) => {
        const served = pick % values.length;
        const variations = values.map(({ raw }, index) => ({ id: `v${index}`, name: `v${index}`, value: raw }));
        await live.put(
          featBitFlag({
            key: 'prompt',
            variationType: 'json',
            variations,
            disabledVariationId: 'v0',
            fallthrough: { variations: [{ id: `v${served}`, rollout: [0, 1] }] },
          }),
        );
        const details = await client.getObjectDetails('prompt', {}, { targetingKey: 'u' });
        const sdkValue = await live.provider.client.jsonVariation(
          'prompt',
          sdkUserFromContext({ targetingKey: 'u' }),
          {},
        );
        expect(details.value).toEqual(sdkValue);
        const sameContent = values.filter(
          ({ content }) => canonicalize(content) === canonicalize(values[served]!.content),
        );
        expect(details.variant).toBe(sameContent.length === 1 ? `v${served}` : undefined);
        expect(details.reason).toBe('DEFAULT');
      }),
      { numRuns: 60 },
    );
  });

  it('answers a stored string that is not JSON with TYPE_MISMATCH and the caller default, as the SDK does', async () => {
    await live.put(
      featBitFlag({
        key: 'broken',
        variationType: 'json',
        variations: [{ id: 'v0', name: 'v0', value: '{"unterminated' }],
        disabledVariationId: 'v0',
        fallthrough: { variations: [{ id: 'v0', rollout: [0, 1] }] },
      }),
    );
    expect(await client.getObjectDetails('broken', { fallback: true }, { targetingKey: 'u' })).toMatchObject({
      value: { fallback: true },
      errorCode: 'TYPE_MISMATCH',
    });
    expect(await client.getObjectDetails('missing', { fallback: true }, { targetingKey: 'u' })).toMatchObject({
      value: { fallback: true },
      errorCode: 'FLAG_NOT_FOUND',
    });
  });
});
