import { describe, expect, it } from 'vitest';
import { ConfigSurface, EvidenceResult, EvidenceType, changeRecordSchema } from '../../../src/changes/model/index.js';
import { decide, DecisionStatus, evaluate, RiskTier } from '../../../policies/index.js';
import { approval, changeOf, defaultPolicy as policy, passed, REQUESTER, rejection } from './policy-fixtures.js';

const whitespaceOnly = changeOf(
  ConfigSurface.Prompt,
  { template: 'Answer  briefly.\n' },
  { template: 'Answer briefly.' },
);
const plainPromptEdit = changeOf(
  ConfigSurface.Prompt,
  { template: 'Answer briefly.' },
  { template: 'Answer briefly and kindly.' },
);
const loweredConfidence = changeOf(ConfigSurface.GuardrailThreshold, { minConfidence: 0.8 }, { minConfidence: 0.6 });
const toolWrites = changeOf(
  ConfigSurface.ToolPolicy,
  { tools: { refund: { enabled: true, write: false } } },
  { tools: { refund: { enabled: true, write: true } } },
);
const highEvidence = [passed(EvidenceType.OfflineEval), passed(EvidenceType.RollbackTest)];
const restrictedEvidence = [
  passed(EvidenceType.SecurityReview),
  passed(EvidenceType.OfflineEval),
  passed(EvidenceType.RollbackTest),
  passed(EvidenceType.ShadowTraffic),
];

describe('tier table: low (normal review, owner record)', () => {
  it('classifies a whitespace-only prompt edit as low', () => {
    const evaluation = evaluate(whitespaceOnly, policy);
    expect(evaluation.tier).toBe(RiskTier.Low);
    expect(evaluation.firedRules.map((rule) => rule.ruleId)).toEqual(['prompt-whitespace-only']);
  });

  it('approves a low change with one approval by anyone other than the requester, without a surface role', () => {
    const decision = decide(whitespaceOnly, [approval('colleague@example.com')], [], policy);
    expect(decision.status).toBe(DecisionStatus.Approved);
    expect(decision.approvedBy).toEqual(['colleague@example.com']);
  });

  it('keeps a low change pending when only the requester approved it, and says why', () => {
    const decision = decide(whitespaceOnly, [approval(REQUESTER, ['featureOwner'])], [], policy);
    expect(decision.status).toBe(DecisionStatus.Pending);
    expect(decision.missing.approvals).toBe(1);
    expect(decision.reasons).toContain(
      `reviews by the requester ${REQUESTER} do not count: nobody approves their own change`,
    );
  });

  it('refuses a change record without an owner on record', () => {
    const { owner: _owner, ...withoutOwner } = structuredClone(whitespaceOnly);
    const result = changeRecordSchema.safeParse(withoutOwner);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['owner']);
  });
});

describe('tier table: medium (owner approval, controlled exposure)', () => {
  it('gives a prompt edit no rule classifies the default prompt tier, medium', () => {
    const evaluation = evaluate(plainPromptEdit, policy);
    expect(evaluation.tier).toBe(RiskTier.Medium);
    expect(evaluation.flags[0]?.defaultTierApplied).toBe(true);
    expect(evaluation.requiredApprovals.mustInclude.map((requirement) => requirement.anyOf)).toEqual([
      ['featureOwner'],
    ]);
  });

  it('needs the owner of the surface: an approval by someone without the role leaves the role missing', () => {
    const decision = decide(
      plainPromptEdit,
      [approval('someone@example.com', ['dataOwner'])],
      [passed(EvidenceType.OfflineEval)],
      policy,
    );
    expect(decision.status).toBe(DecisionStatus.Pending);
    expect(decision.missing.approvals).toBe(0);
    expect(decision.missing.roles.map((requirement) => requirement.anyOf)).toEqual([['featureOwner']]);
  });

  it('approves with the feature owner and an offline eval', () => {
    const decision = decide(
      plainPromptEdit,
      [approval('owner@example.com', ['featureOwner'])],
      [passed(EvidenceType.OfflineEval)],
      policy,
    );
    expect(decision.status).toBe(DecisionStatus.Approved);
  });

  it('limits the first stage to controlled exposure (25%)', () => {
    const wide = changeOf(ConfigSurface.Prompt, 'Answer briefly.', 'Answer briefly and kindly.', {
      release: {
        decisionOwner: 'x',
        stages: [{ name: 'all', audience: 'all users', percentage: 50, minDuration: '1h' }],
      },
    });
    const decision = decide(
      wide,
      [approval('owner@example.com', ['featureOwner'])],
      [passed(EvidenceType.OfflineEval)],
      policy,
    );
    expect(decision.status).toBe(DecisionStatus.Pending);
    expect(decision.missing.releasePlan).toEqual(['the first stage exposes 50%; the medium tier allows at most 25%']);
  });
});

describe('tier table: high (named reviewer other than the requester, evidence, staged rollout, rollback plan)', () => {
  it('classifies a lowered confidence threshold as high and names the reviewer role', () => {
    const evaluation = evaluate(loweredConfidence, policy);
    expect(evaluation.tier).toBe(RiskTier.High);
    expect(evaluation.firedRules[0]).toMatchObject({
      ruleId: 'guardrail-confidence-lowered',
      path: '$.minConfidence',
      detail: '0.8 → 0.6',
    });
    expect(evaluation.requiredApprovals.mustInclude.map((requirement) => requirement.anyOf)).toEqual([['safetyOwner']]);
  });

  it('does not count the requester even when the requester holds the reviewer role', () => {
    const decision = decide(loweredConfidence, [approval(REQUESTER, ['safetyOwner'])], highEvidence, policy);
    expect(decision.status).toBe(DecisionStatus.Pending);
    expect(decision.approvedBy).toEqual([]);
    expect(decision.missing.roles.map((requirement) => requirement.anyOf)).toEqual([['safetyOwner']]);
  });

  it('checks evidence: offline eval and rollback test must have passed; a failed one is named', () => {
    const failedEval = { ...passed(EvidenceType.OfflineEval), result: EvidenceResult.Failed };
    const decision = decide(loweredConfidence, [approval('safety@example.com', ['safetyOwner'])], [failedEval], policy);
    expect(decision.status).toBe(DecisionStatus.Pending);
    expect(decision.missing.evidence.map((requirement) => requirement.anyOf)).toEqual([
      ['offlineEval'],
      ['rollbackTest'],
    ]);
    expect(decision.reasons).toContain('needs passed evidence of offlineEval (attached but failed)');
  });

  it('requires a staged rollout and a rollback plan', () => {
    const oneShot = changeOf(
      ConfigSurface.GuardrailThreshold,
      { minConfidence: 0.8 },
      { minConfidence: 0.6 },
      {
        release: {
          decisionOwner: 'x',
          stages: [{ name: 'all', audience: 'all users', percentage: 5, minDuration: '1h' }],
        },
      },
    );
    const decision = decide(oneShot, [approval('safety@example.com', ['safetyOwner'])], highEvidence, policy);
    expect(decision.missing.releasePlan).toEqual([
      'the release plan has 1 stage(s); the high tier needs at least 2',
      'the high tier needs a rollback plan (release.rollback)',
    ]);
  });

  it('approves with the named reviewer, evidence, stages and rollback plan; expansion evidence is listed, not required yet', () => {
    const evaluation = evaluate(loweredConfidence, policy);
    expect(evaluation.requiredEvidence).toContainEqual({
      anyOf: ['shadowTraffic', 'guardrailMetrics'],
      phase: 'expansion',
    });
    expect(evaluation.exposure).toMatchObject({
      maxFirstStagePercentage: 10,
      minStages: 2,
      rollbackPlanRequired: true,
      rampRoles: ['releaseOwner'],
    });
    const decision = decide(
      loweredConfidence,
      [approval('safety@example.com', ['safetyOwner'])],
      highEvidence,
      policy,
      evaluation,
    );
    expect(decision.status).toBe(DecisionStatus.Approved);
  });
});

describe('tier table: restricted (security review, two distinct people incl. security, first exposure ≤ 1%, audited)', () => {
  it('classifies a tool policy that enables writes as restricted and audited, at most 1% first', () => {
    const evaluation = evaluate(toolWrites, policy);
    expect(evaluation.tier).toBe(RiskTier.Restricted);
    expect(evaluation.audited).toBe(true);
    expect(evaluation.exposure.maxFirstStagePercentage).toBe(1);
    expect(evaluation.requiredApprovals.count).toBe(2);
    expect(evaluation.requiredApprovals.mustInclude.map((requirement) => requirement.anyOf)).toEqual([['security']]);
  });

  it('stays pending with only the security approval: one more distinct person is missing', () => {
    const decision = decide(toolWrites, [approval('sec@example.com', ['security'])], restrictedEvidence, policy);
    expect(decision.status).toBe(DecisionStatus.Pending);
    expect(decision.missing).toMatchObject({ approvals: 1, roles: [], evidence: [], releasePlan: [] });
  });

  it('counts one person approving twice once', () => {
    const reviews = [
      approval('sec@example.com', ['security']),
      approval('sec@example.com', ['security'], '2026-03-02T10:00:00Z'),
    ];
    expect(decide(toolWrites, reviews, restrictedEvidence, policy).missing.approvals).toBe(1);
  });

  it('stays pending without anyone holding the security role', () => {
    const reviews = [
      approval('platform@example.com', ['platformOwner']),
      approval('ops@example.com', ['operationsOwner']),
    ];
    const decision = decide(toolWrites, reviews, restrictedEvidence, policy);
    expect(decision.status).toBe(DecisionStatus.Pending);
    expect(decision.missing.approvals).toBe(0);
    expect(decision.missing.roles.map((requirement) => requirement.anyOf)).toEqual([['security']]);
  });

  it('approves with security plus a second person, a security or policy review, and first exposure of 1%', () => {
    const reviews = [approval('sec@example.com', ['security']), approval('platform@example.com', ['platformOwner'])];
    expect(decide(toolWrites, reviews, restrictedEvidence, policy).status).toBe(DecisionStatus.Approved);
    const withPolicyReview = restrictedEvidence.map((item) =>
      item.type === EvidenceType.SecurityReview ? passed(EvidenceType.PolicyReview) : item,
    );
    expect(decide(toolWrites, reviews, withPolicyReview, policy).status).toBe(DecisionStatus.Approved);
  });

  it('needs a security or policy review as evidence', () => {
    const reviews = [approval('sec@example.com', ['security']), approval('platform@example.com', ['platformOwner'])];
    const withoutReview = restrictedEvidence.filter((item) => item.type !== EvidenceType.SecurityReview);
    expect(decide(toolWrites, reviews, withoutReview, policy).missing.evidence).toEqual([
      { anyOf: ['securityReview', 'policyReview'], phase: 'approval' },
    ]);
  });

  it('refuses a first stage above 1%', () => {
    const fivePercent = changeOf(
      ConfigSurface.ToolPolicy,
      toolWrites.flags[0]!.baseline,
      toolWrites.flags[0]!.candidate,
      {
        release: {
          decisionOwner: 'x',
          stages: [
            { name: 'a', audience: 'all users', percentage: 5, minDuration: '4h' },
            { name: 'b', audience: 'all users', percentage: 50, minDuration: '4h' },
            { name: 'c', audience: 'all users', percentage: 100, minDuration: '1h' },
          ],
          rollback: { plan: 'p', fallbackBehaviour: 'f' },
        },
      },
    );
    const reviews = [approval('sec@example.com', ['security']), approval('platform@example.com', ['platformOwner'])];
    expect(decide(fivePercent, reviews, restrictedEvidence, policy).missing.releasePlan).toEqual([
      'the first stage exposes 5%; the restricted tier allows at most 1%',
    ]);
  });

  it('refuses stages shorter than the tier minimum before another stage, whatever the requester picks', () => {
    const hurried = changeOf(ConfigSurface.ToolPolicy, toolWrites.flags[0]!.baseline, toolWrites.flags[0]!.candidate, {
      release: {
        decisionOwner: 'x',
        stages: [
          { name: 'a', audience: 'all users', percentage: 1, minDuration: '1s' },
          { name: 'b', audience: 'all users', percentage: 50, minDuration: '4h' },
          { name: 'c', audience: 'all users', percentage: 100, minDuration: '1s' },
        ],
        rollback: { plan: 'p', fallbackBehaviour: 'f' },
      },
    });
    const reviews = [approval('sec@example.com', ['security']), approval('platform@example.com', ['platformOwner'])];
    expect(decide(hurried, reviews, restrictedEvidence, policy).missing.releasePlan).toEqual([
      'stage 1 (a) runs at least 1s; the restricted tier needs at least 4h before the next stage',
    ]);
  });

  it('is rejected when any counted reviewer rejects, whatever else approved', () => {
    const reviews = [
      approval('sec@example.com', ['security']),
      approval('platform@example.com', ['platformOwner']),
      rejection('ops@example.com'),
    ];
    const decision = decide(toolWrites, reviews, restrictedEvidence, policy);
    expect(decision.status).toBe(DecisionStatus.Rejected);
    expect(decision.rejectedBy).toEqual(['ops@example.com']);
  });
});
