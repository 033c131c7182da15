import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { reviewSchema } from '../../../src/changes/model/index.js';
import { itemsValidatedOnce, validatedOnce } from '../../../src/changes/index.js';

const review = () => ({
  reviewer: 'bo@example.com',
  roles: ['security'],
  decision: 'approve',
  comment: '',
  at: '2026-03-01T10:00:00Z',
});

describe('validatedOnce', () => {
  it('answers the field path of a problem like the schema it wraps', () => {
    const schema = z.object({ reviews: itemsValidatedOnce(reviewSchema) });
    const result = schema.safeParse({ reviews: [review(), { ...review(), at: 'yesterday' }] });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([['reviews', 1, 'at']]);
  });

  it('checks each object once and passes the same object through afterwards', () => {
    const schema = validatedOnce(reviewSchema);
    const checked = review();
    expect(schema.parse(checked)).toBe(checked);
    const fresh = { ...review(), decision: 'maybe' };
    expect(schema.safeParse(fresh).success).toBe(false);
    expect(schema.safeParse(fresh).success).toBe(false);
  });

  it('documents the wrapped schema', () => {
    const documented = {
      type: 'object',
      required: expect.arrayContaining(['reviewer', 'decision', 'at']),
      additionalProperties: false,
    };
    expect(z.toJSONSchema(validatedOnce(reviewSchema))).toMatchObject(documented);
    expect(z.toJSONSchema(itemsValidatedOnce(reviewSchema))).toMatchObject({ type: 'array', items: documented });
  });

  it('refuses something that is not an array where items are expected', () => {
    expect(itemsValidatedOnce(reviewSchema).safeParse({ 0: review() }).success).toBe(false);
  });

  it('refuses a schema whose JSON Schema needs definitions', () => {
    expect(() => validatedOnce(z.object({ value: z.json() }))).toThrow(/\$defs/);
  });
});
