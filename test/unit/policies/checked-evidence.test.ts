import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ConfigSurface, EvidenceResult, EvidenceType } from '../../../src/changes/model/index.js';
import { decide, DEFAULT_POLICY_PATH, parsePolicy } from '../../../policies/index.js';
import { approval, changeOf, defaultPolicyText } from './policy-fixtures.js';

/** The default policy with the restricted tier's review requirement marked `checked`. */
const document = parse(defaultPolicyText);
document.tiers.restricted.evidence = document.tiers.restricted.evidence.map((requirement: { anyOf: string[] }) =>
  requirement.anyOf.includes('securityReview') ? { ...requirement, checked: true } : requirement,
);
const policy = parsePolicy(stringify(document), DEFAULT_POLICY_PATH);
const toolWrites = changeOf(
  ConfigSurface.ToolPolicy,
  { tools: { refund: { enabled: true, write: false } } },
  { tools: { refund: { enabled: true, write: true } } },
);
const reviews = [approval('sec@example.com', ['security']), approval('ops@example.com', ['platformOwner'])];
const others = [EvidenceType.OfflineEval, EvidenceType.RollbackTest, EvidenceType.ShadowTraffic].map((type) => ({
  type,
  result: EvidenceResult.Passed,
}));

describe('a checked evidence requirement', () => {
  it('is not met by a passed claim, and says so', () => {
    const decision = decide(
      toolWrites,
      reviews,
      [...others, { type: EvidenceType.SecurityReview, result: EvidenceResult.Passed, checked: false }],
      policy,
    );
    expect(decision.missing.evidence).toEqual([
      { anyOf: ['securityReview', 'policyReview'], phase: 'approval', checked: true },
    ]);
    expect(decision.reasons).toContain(
      'needs passed evidence of securityReview or policyReview checked by featgate (attached but a claim featgate cannot check)',
    );
  });

  it('is met by a review featgate checked and passed', () => {
    const decision = decide(
      toolWrites,
      reviews,
      [...others, { type: EvidenceType.SecurityReview, result: EvidenceResult.Passed, checked: true }],
      policy,
    );
    expect(decision.missing.evidence).toEqual([]);
  });
});
