import { describe, expect, it } from 'vitest';
import {
  compileOperator,
  compileRuleRegex,
  MalformedFlagError,
  translateDotNetPattern,
} from '@featgate/openfeature/evaluator';
import { diffFlag, ExposureVerdict } from '../../../../src/featbit/diff/index.js';
import { flagSchema } from '../../../../src/featbit/model/index.js';

describe('FeatBit regex rules on a linear-time engine with .NET semantics', () => {
  it('accepts .NET inline options such as (?i), which JavaScript RegExp rejects', () => {
    const matches = compileOperator('MatchRegex', '(?i)^admin');
    expect(matches('ADMIN-1')).toBe(true);
    expect(matches('user-admin')).toBe(false);
  });

  it('lets $ match before a final newline and \\d match any Unicode digit, as .NET does', () => {
    expect(compileRuleRegex('^abc$').test('abc\n')).toBe(true);
    expect(compileRuleRegex('^abc$').test('abc\nx')).toBe(false);
    expect(compileRuleRegex('^\\d+$').test('\u0663\u0664')).toBe(true);
    expect(compileRuleRegex('^\\w+$').test('café')).toBe(true);
    expect(compileRuleRegex('^[\\w-]+$').test('été-1')).toBe(true);
    expect(translateDotNetPattern('a\\$b[$]')).toBe('a\\$b[$]');
  });

  it('answers a catastrophic-backtracking pattern at once', () => {
    // A backtracking engine would not finish this within the test's timeout; RE2 is linear in the input.
    expect(compileRuleRegex('^(a+)+$').test(`${'a'.repeat(100_000)}!`)).toBe(false);
  });

  it('calls lookaround, backreferences and overlong patterns malformed rule data instead of running them', () => {
    expect(() => compileRuleRegex('(?<=a)b')).toThrow(MalformedFlagError);
    expect(() => compileRuleRegex('(a)\\1')).toThrow(MalformedFlagError);
    expect(() => compileRuleRegex('a'.repeat(5_000))).toThrow(MalformedFlagError);
  });
});

describe('the diff never executes a regex from FeatBit data', () => {
  const flag = (rules: unknown[]) =>
    flagSchema.parse({
      id: 'f',
      key: 'regex-model-route',
      variationType: 'string',
      variations: [
        { id: 'base', name: 'current', value: 'a' },
        { id: 'cand', name: 'candidate', value: 'b' },
      ],
      rules,
      isEnabled: true,
      disabledVariationId: 'base',
      fallthrough: { variations: [{ id: 'base', rollout: [0, 1] }] },
    });
  const rule = (id: string, op: string, value: string) => ({
    id,
    name: id,
    conditions: [{ property: 'email', op, value }],
    variations: [{ id: 'cand', rollout: [0, 1] }],
  });

  it('judges an Equal rule against a backtracking regex rule without running the regex, and claims no narrowing from it', () => {
    const before = flag([rule('r1', 'Equal', `${'a'.repeat(40)}!`)]);
    const after = flag([rule('r2', 'MatchRegex', '^(a+)+$')]);
    const result = diffFlag(before, after, { baselineVariationId: 'base' });
    expect(result.exposure['cand']).toBe(ExposureVerdict.Widened);
  });

  it('does not call a flag with a pattern RE2 cannot compile malformed, so an unrelated narrowing is still accepted', () => {
    const before = flag([rule('r1', 'MatchRegex', '(?<=x)admin'), rule('r2', 'Equal', 'qa')]);
    const after = flag([rule('r1', 'MatchRegex', '(?<=x)admin')]);
    const result = diffFlag(before, after, { baselineVariationId: 'base' });
    expect(result.malformed).toBeUndefined();
    expect(result.exposure['cand']).toBe(ExposureVerdict.Narrowed);
  });
});
