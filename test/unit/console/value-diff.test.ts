import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffValues, FieldChange, leavesOf, wordSegments } from '../../../src/console/browser/value-diff.js';

const text = (segments: readonly { text: string; change: string }[] | undefined, keep: string[]) =>
  (segments ?? [])
    .filter((segment) => keep.includes(segment.change))
    .map((segment) => segment.text)
    .join('');

describe('the console value diff', () => {
  it('shows a prompt edit word by word, each side rebuilding its own text', () => {
    const [row] = diffValues(
      { template: 'You are a helpful support assistant.' },
      { template: 'You are a concise support assistant.' },
    );
    expect(row!.path).toBe('$.template');
    expect(row!.change).toBe(FieldChange.Changed);
    expect(row!.before!.filter((segment) => segment.change === 'removed').map((segment) => segment.text)).toEqual([
      'helpful',
    ]);
    expect(row!.after!.filter((segment) => segment.change === 'added').map((segment) => segment.text)).toEqual([
      'concise',
    ]);
  });

  it('compares JSON field by field: changed, added, removed and unchanged fields each get a row', () => {
    const rows = diffValues(
      { provider: 'openai', model: 'gpt-4o-mini', region: 'eu', tags: ['a'] },
      { provider: 'mistral', model: 'gpt-4o-mini', latencyTargetMs: 800, tags: ['a', 'b'] },
    );
    expect(Object.fromEntries(rows.map((row) => [row.path, row.change]))).toEqual({
      '$.provider': FieldChange.Changed,
      '$.model': FieldChange.Same,
      '$.region': FieldChange.Removed,
      '$.tags[0]': FieldChange.Same,
      '$.latencyTargetMs': FieldChange.Added,
      '$.tags[1]': FieldChange.Added,
    });
  });

  it('shows secrets only as redacted markers, and a changed secret as changed', () => {
    const rows = diffValues(
      { apiKey: { $redacted: true, hmacSha256: 'a'.repeat(64) } },
      { apiKey: { $redacted: true, hmacSha256: 'b'.repeat(64) } },
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.secret).toBe(true);
    expect(rows[0]!.change).toBe(FieldChange.Changed);
    expect(text(rows[0]!.before, ['removed'])).toBe(`[secret redacted · ${'a'.repeat(12)}…]`);
  });

  it('never loses or invents text: each side of a word diff spells out exactly its value', () => {
    // A trailing space is a change of its own (the counterexample that word diffs ignoring whitespace got wrong).
    expect(text(wordSegments('x', 'x ').after, ['same', 'added'])).toBe('x ');
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 }), (before, after) => {
        const segments = wordSegments(before, after);
        expect(text(segments.before, ['same', 'removed'])).toBe(before);
        expect(text(segments.after, ['same', 'added'])).toBe(after);
      }),
      { numRuns: 1000 },
    );
  });

  it('lists every leaf of any JSON value exactly once', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const rows = diffValues(value, value);
        expect(rows.every((row) => row.change === FieldChange.Same)).toBe(true);
        expect(rows.map((row) => row.path)).toEqual([...leavesOf(value).keys()]);
      }),
    );
  });
});
