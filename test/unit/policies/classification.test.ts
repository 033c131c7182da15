import { describe, expect, it } from 'vitest';
import { ConfigSurface } from '../../../src/changes/model/index.js';
import {
  applyComparison,
  evaluate,
  parseJsonPath,
  parsePolicy,
  RiskTier,
  selectPath,
  ValueComparison,
  WILDCARD,
} from '../../../policies/index.js';
import { changeOf, defaultPolicy as policy, defaultPolicyText } from './policy-fixtures.js';

describe('JSON paths of classification rules', () => {
  it('parses members, quoted members, indexes and wildcards', () => {
    expect(parseJsonPath("$.tools.*.write['x y'][2][*]")).toEqual(['tools', WILDCARD, 'write', 'x y', 2, WILDCARD]);
    expect(parseJsonPath('tools.write')).toBe('a path starts with $');
  });

  it('selects every concrete path a wildcard reaches', () => {
    const found = selectPath(
      { tools: { a: { write: false }, 'b c': { write: true } } },
      parseJsonPath('$.tools.*.write') as [],
    );
    expect([...found.entries()]).toEqual([
      ['$.tools.a.write', false],
      ["$.tools['b c'].write", true],
    ]);
  });
});

describe('comparisons', () => {
  it('tells a whitespace-only edit from a wording edit', () => {
    expect(applyComparison(ValueComparison.WhitespaceOnly, 'a  b\n', 'a b')).toBe('differs only in whitespace');
    expect(applyComparison(ValueComparison.WhitespaceOnly, 'a b', 'a c')).toBeUndefined();
    expect(applyComparison(ValueComparison.WhitespaceOnly, 'a b', 'a b')).toBeUndefined();
  });

  it('compares arrays by items for added and removed', () => {
    expect(applyComparison(ValueComparison.Added, ['a'], ['a', 'b'])).toBe('adds "b"');
    expect(applyComparison(ValueComparison.Added, ['a', 'b'], ['b', 'a'])).toBeUndefined();
    expect(applyComparison(ValueComparison.Removed, ['a', 'b'], ['b'])).toBe('removes "a"');
  });

  it('fires containsAny only for terms the baseline lacked, ignoring case', () => {
    expect(applyComparison({ containsAny: ['Guarantee'] }, 'hello', 'we GUARANTEE it')).toBe('introduces "Guarantee"');
    expect(applyComparison({ containsAny: ['guarantee'] }, 'we guarantee', 'we guarantee it')).toBeUndefined();
  });

  it('fires changedToNoneOf only when the new value leaves the list', () => {
    expect(applyComparison({ changedToNoneOf: ['beta', 'internal'] }, 'beta', 'internal')).toBeUndefined();
    expect(applyComparison({ changedToNoneOf: ['beta', 'internal'] }, 'beta', 'everyone')).toBe(
      '"beta" → "everyone", outside "beta", "internal"',
    );
  });

  it('fires exceeds and fallsBelow only on a change across the limit', () => {
    expect(applyComparison({ exceeds: 10 }, 5, 20)).toBe('5 → 20, above 10');
    expect(applyComparison({ exceeds: 10 }, 20, 20)).toBeUndefined();
    expect(applyComparison({ fallsBelow: 0.5 }, 0.6, 0.4)).toBe('0.6 → 0.4, below 0.5');
  });
});

describe('evaluate', () => {
  it('classifies by effect, not by edit size: a one-character threshold edit is high, a rewrapped prompt low', () => {
    expect(
      evaluate(changeOf(ConfigSurface.GuardrailThreshold, { minConfidence: 0.8 }, { minConfidence: 0.7 }), policy).tier,
    ).toBe(RiskTier.High);
    const longPrompt = 'You are helpful. '.repeat(50);
    expect(evaluate(changeOf(ConfigSurface.Prompt, longPrompt, longPrompt.replace(/ /g, '\n')), policy).tier).toBe(
      RiskTier.Low,
    );
  });

  it('takes the highest tier over every flag of a change', () => {
    const change = changeOf(ConfigSurface.Prompt, 'a  b', 'a b');
    const twoFlags = {
      ...change,
      flags: [
        ...change.flags,
        {
          key: 'crm-tool-policy',
          surface: ConfigSurface.ToolPolicy,
          baseline: { tools: {} },
          candidate: { tools: { crm: { write: true } } },
        },
      ],
    };
    const evaluation = evaluate(twoFlags, policy);
    expect(evaluation.flags.map((flag) => flag.tier)).toEqual([RiskTier.Low, RiskTier.Restricted]);
    expect(evaluation.tier).toBe(RiskTier.Restricted);
  });

  it('raises the tier to the environment minimum and warns about an ungoverned environment', () => {
    const strict = parsePolicy(
      defaultPolicyText.replace(
        '    name: production\n    strictness: enforce',
        '    name: production\n    strictness: enforce\n    minimumTier: high',
      ),
    );
    const lowChange = changeOf(ConfigSurface.Prompt, 'a  b', 'a b');
    const evaluation = evaluate(lowChange, strict);
    expect(evaluation.tier).toBe(RiskTier.High);
    expect(evaluation.reasons).toContain('environment production raises every change to at least high');
    expect(evaluate({ ...lowChange, environment: 'elsewhere' }, policy).warnings).toContain(
      'environment elsewhere is not governed by this policy',
    );
  });

  it('classifies a governed flag by the surface the policy gives it, not the one the record claims', () => {
    const claimedPrompt = changeOf(ConfigSurface.Prompt, { tools: {} }, { tools: { crm: { write: true } } });
    const misnamed = { ...claimedPrompt, flags: [{ ...claimedPrompt.flags[0]!, key: 'agent-tool-policy' }] };
    const evaluation = evaluate(misnamed, policy);
    expect(evaluation.tier).toBe(RiskTier.Restricted);
    expect(evaluation.warnings).toContain(
      'flag agent-tool-policy is governed as toolPolicy, not prompt; classified as toolPolicy',
    );
  });

  it('sees a changed secret through its hash without showing the secret', () => {
    const change = changeOf(
      ConfigSurface.ModelRoute,
      { provider: 'openai', apiKey: 'sk-old-secret' },
      { provider: 'openai', apiKey: 'sk-new-secret' },
    );
    const withRule = parsePolicy(
      defaultPolicyText.replace(
        'rules:\n',
        'rules:\n  - id: model-credentials-changed\n    surface: modelRoute\n    path: $.apiKey\n    when: changed\n    tier: high\n    explanation: New credentials.\n',
      ),
    );
    const evaluation = evaluate(change, withRule);
    expect(evaluation.firedRules.map((rule) => rule.ruleId)).toEqual(['model-credentials-changed']);
    expect(JSON.stringify(evaluation)).not.toContain('secret');
  });

  it('gives the record review date or the tier offset from the evaluation time', () => {
    const change = changeOf(ConfigSurface.GuardrailThreshold, { minConfidence: 0.8 }, { minConfidence: 0.7 });
    expect(evaluate(change, policy, { now: '2026-01-01T12:00:00Z' }).reviewDate).toBe('2026-01-31');
    expect(evaluate(change, policy).reviewDate).toBeUndefined();
    const dated = { ...change, cleanup: { ...change.cleanup, reviewDate: '2026-06-30' } };
    expect(evaluate(dated, policy, { now: '2026-01-01T12:00:00Z' }).reviewDate).toBe('2026-06-30');
  });

  it('is pure: the same input gives an equal answer and the inputs stay untouched', () => {
    const change = changeOf(ConfigSurface.ModelRoute, { provider: 'a', apiKey: 'k1' }, { provider: 'b', apiKey: 'k2' });
    const before = structuredClone(change);
    expect(evaluate(change, policy, { now: '2026-01-01T00:00:00Z' })).toEqual(
      evaluate(change, policy, { now: '2026-01-01T00:00:00Z' }),
    );
    expect(change).toEqual(before);
  });
});
