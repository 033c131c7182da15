import { describe, expect, it } from 'vitest';
import { ValidationError, type FieldIssue } from '../../../src/errors/index.js';
import {
  checkBreakGlass,
  GovernedFlagMatch,
  parsePolicy,
  policyJsonSchema,
  resolveGovernedFlag,
  UngovernedReason,
} from '../../../policies/index.js';
import { defaultPolicy as policy, defaultPolicyText } from './policy-fixtures.js';

function issuesOf(text: string): FieldIssue[] {
  try {
    parsePolicy(text, 'policy.yaml');
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  throw new Error('the policy was accepted');
}

function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

describe('policy pack validation', () => {
  it('names file, line and field of a wrong type', () => {
    const text = defaultPolicyText.replace('maxFirstStagePercentage: 25', 'maxFirstStagePercentage: "25"');
    expect(issuesOf(text)).toEqual([
      {
        file: 'policy.yaml',
        line: lineOf(text, 'maxFirstStagePercentage: "25"'),
        path: 'tiers.medium.exposure.maxFirstStagePercentage',
        message: 'Invalid input: expected number, received string',
      },
    ]);
  });

  it('points an unknown key at its own line', () => {
    const text = defaultPolicyText.replace(
      '  medium:\n    description:',
      '  medium:\n    colour: blue\n    description:',
    );
    expect(issuesOf(text)).toEqual([
      { file: 'policy.yaml', line: lineOf(text, 'colour: blue'), path: 'tiers.medium.colour', message: 'unknown key' },
    ]);
  });

  it('names line 1 of an empty policy file', () => {
    expect(issuesOf('')).toEqual([
      { file: 'policy.yaml', line: 1, path: '', message: 'Invalid input: expected object, received null' },
    ]);
  });

  it("reports broken YAML at the parser's line", () => {
    const text = defaultPolicyText.replace(
      'breakGlass:\n  roles: [incidentCommander]',
      'breakGlass:\n  roles: [incidentCommander\n',
    );
    const [issue] = issuesOf(text);
    expect(issue?.message).toMatch(/^invalid YAML: /);
    expect(issue?.line).toBeGreaterThanOrEqual(lineOf(text, 'roles: [incidentCommander'));
  });

  it('rejects a reference to an undeclared role, a duplicate rule id and a bad JSON path', () => {
    const text = defaultPolicyText
      .replace('escalateTo: [compliance]\n  - id: prompt-policy-wording', 'escalateTo: [lawyer]\n  - id: prompt-claims')
      .replace('path: $.safety', 'path: safety');
    const issues = issuesOf(text);
    expect(issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      'rules.1.escalateTo.0: unknown role lawyer; declare it under roles',
      'rules.2.id: duplicate rule id prompt-claims',
      'rules.3.path: invalid JSON path: a path starts with $',
    ]);
  });

  it('holds break-glass post-reviews to 48 hours and refuses invalid secret patterns', () => {
    const text = defaultPolicyText
      .replace('postReviewWithin: 48h', 'postReviewWithin: 3d')
      .replace('- "token$"', '- "(token"');
    expect(issuesOf(text).map((issue) => issue.path)).toEqual(['breakGlass.postReviewWithin', 'secrets.keyPatterns.1']);
  });

  it('prints a JSON Schema editors can use, rejecting unknown keys', () => {
    const schema = policyJsonSchema() as { properties: Record<string, unknown>; additionalProperties: boolean };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['tiers', 'surfaces', 'rules', 'environments', 'governedFlags', 'breakGlass']),
    );
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('resolveGovernedFlag', () => {
  const production = '7d2a4f10-3c1b-4e8a-9f55-1a2b3c4d5e01';

  it('resolves by exact key, then key pattern, then tag', () => {
    expect(resolveGovernedFlag(policy, production, { key: 'support-assistant-prompt' })).toMatchObject({
      governed: true,
      surface: 'prompt',
      owner: 'support-ai-team',
      matchedBy: GovernedFlagMatch.Key,
    });
    expect(resolveGovernedFlag(policy, 'production', { key: 'checkout-model-route' })).toMatchObject({
      surface: 'modelRoute',
      matchedBy: GovernedFlagMatch.KeyPattern,
    });
    expect(resolveGovernedFlag(policy, production, { key: 'anything', tags: ['ai-tool-policy'] })).toMatchObject({
      surface: 'toolPolicy',
      matchedBy: GovernedFlagMatch.Tag,
    });
    expect(
      resolveGovernedFlag(policy, production, { key: 'billing-tool-policy', tags: ['ai-tool-policy'] }),
    ).toMatchObject({ matchedBy: GovernedFlagMatch.KeyPattern });
  });

  it('calls a flag no entry names ungoverned, and a flag in another environment too', () => {
    expect(resolveGovernedFlag(policy, production, { key: 'dark-mode' })).toMatchObject({
      governed: false,
      reason: UngovernedReason.NoMatchingEntry,
      environment: { name: 'production' },
    });
    expect(resolveGovernedFlag(policy, 'unknown-env', { key: 'support-assistant-prompt' })).toEqual({
      governed: false,
      reason: UngovernedReason.EnvironmentNotGoverned,
    });
  });
});

describe('break-glass', () => {
  const at = '2026-05-01T08:00:00.000Z';

  it('allows the incident commander with an incident reference, due for post-review within 48h', () => {
    expect(
      checkBreakGlass(policy, {
        actor: 'ic@example.com',
        roles: ['incidentCommander'],
        incidentReference: 'INC-42',
        duration: '2h',
        at,
      }),
    ).toEqual({
      allowed: true,
      problems: [],
      expiresAt: '2026-05-01T10:00:00.000Z',
      postReviewDueBy: '2026-05-03T08:00:00.000Z',
      postReviewRoles: ['security', 'releaseOwner'],
    });
  });

  it('refuses a wrong role, a missing incident reference and an overlong duration', () => {
    const decision = checkBreakGlass(policy, { actor: 'dev@example.com', roles: ['featureOwner'], duration: '1d', at });
    expect(decision.allowed).toBe(false);
    expect(decision.problems).toEqual([
      'break-glass needs one of the roles incidentCommander',
      'break-glass needs an incident reference',
      'break-glass lasts at most 4h; 1d was asked for',
    ]);
  });
});
