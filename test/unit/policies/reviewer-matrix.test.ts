import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../src/canonical/index.js';
import { ConfigSurface, EvidenceType } from '../../../src/changes/model/index.js';
import { decide, DecisionStatus, evaluate, RiskTier } from '../../../policies/index.js';
import { approval, changeOf, defaultPolicy as policy, passed } from './policy-fixtures.js';

const defaultReviewerRows: [ConfigSurface, JsonValue, JsonValue, string[]][] = [
  [ConfigSurface.Prompt, 'Answer briefly.', 'Answer in two sentences.', ['featureOwner']],
  [ConfigSurface.ModelRoute, { model: 'small' }, { model: 'medium' }, ['aiPlatformOwner']],
  [ConfigSurface.RetrievalProfile, { topK: 5 }, { topK: 8 }, ['dataOwner']],
  [
    ConfigSurface.ToolPolicy,
    { tools: { search: { enabled: false } } },
    { tools: { search: { enabled: true } } },
    ['operationsOwner', 'platformOwner', 'security'],
  ],
  [
    ConfigSurface.GuardrailThreshold,
    { minConfidence: 0.6 },
    { minConfidence: 0.7 },
    ['domainOwner', 'safetyOwner', 'supportOwner'],
  ],
  [
    ConfigSurface.Fallback,
    { mode: 'static-message', message: 'a' },
    { mode: 'static-message', message: 'b' },
    ['aiPlatformOwner', 'featureOwner'],
  ],
  [
    ConfigSurface.RolloutRule,
    { audience: 'internal', percentage: 10 },
    { audience: 'beta', percentage: 10 },
    ['releaseOwner'],
  ],
];

describe('reviewer matrix: default reviewer per surface', () => {
  it.each(defaultReviewerRows)(
    'routes an unescalated %s change to its default reviewer at medium',
    (surface, baseline, candidate, reviewers) => {
      const evaluation = evaluate(changeOf(surface, baseline, candidate), policy);
      expect(evaluation.tier).toBe(RiskTier.Medium);
      expect(evaluation.firedRules).toEqual([]);
      expect(evaluation.requiredApprovals.mustInclude.map((requirement) => requirement.anyOf)).toEqual([reviewers]);
    },
  );

  it.each(defaultReviewerRows)(
    'approves an unescalated %s change with any one of its default reviewers, and with nobody else',
    (surface, baseline, candidate, reviewers) => {
      const change = changeOf(surface, baseline, candidate);
      for (const role of reviewers) {
        expect(
          decide(change, [approval(`${role}@example.com`, [role])], [passed(EvidenceType.OfflineEval)], policy).status,
        ).toBe(DecisionStatus.Approved);
      }
      const outsider = decide(
        change,
        [approval('legal@example.com', ['compliance'])],
        [passed(EvidenceType.OfflineEval)],
        policy,
      );
      expect(outsider.status).toBe(DecisionStatus.Pending);
      expect(outsider.missing.roles.map((requirement) => requirement.anyOf)).toEqual([reviewers]);
    },
  );
});

const escalationRows: [string, ConfigSurface, JsonValue, JsonValue, string, RiskTier, string[]][] = [
  // prompt → feature owner; escalate on claims, policy wording, safety behaviour, regulated users
  [
    'prompt claims',
    ConfigSurface.Prompt,
    'We help with billing.',
    'We guarantee a fix within a day.',
    'prompt-claims',
    RiskTier.High,
    ['compliance'],
  ],
  [
    'prompt policy wording',
    ConfigSurface.Prompt,
    'Help with orders.',
    'Explain the refund rules to the customer.',
    'prompt-policy-wording',
    RiskTier.High,
    ['compliance'],
  ],
  [
    'prompt safety behaviour',
    ConfigSurface.Prompt,
    { template: 't', safety: { refuseTopics: ['medical'] } },
    { template: 't', safety: { refuseTopics: [] } },
    'prompt-safety-behaviour',
    RiskTier.High,
    ['safetyOwner'],
  ],
  [
    'prompt regulated users',
    ConfigSurface.Prompt,
    { template: 't', audience: { regulatedUsers: false } },
    { template: 't', audience: { regulatedUsers: true } },
    'prompt-regulated-users',
    RiskTier.High,
    ['compliance'],
  ],
  // model route → AI platform owner; provider, data residency, latency target, cost profile
  [
    'model provider',
    ConfigSurface.ModelRoute,
    { provider: 'openai' },
    { provider: 'anthropic' },
    'model-provider-changed',
    RiskTier.High,
    ['aiPlatformOwner'],
  ],
  [
    'model data residency',
    ConfigSurface.ModelRoute,
    { region: 'eu' },
    { region: 'us' },
    'model-region-changed',
    RiskTier.High,
    ['aiPlatformOwner'],
  ],
  [
    'model latency target',
    ConfigSurface.ModelRoute,
    { latencyTargetMs: 800 },
    { latencyTargetMs: 1600 },
    'model-latency-target-raised',
    RiskTier.Medium,
    ['aiPlatformOwner'],
  ],
  [
    'model cost profile',
    ConfigSurface.ModelRoute,
    { maxCostPerRequestUsd: 0.01 },
    { maxCostPerRequestUsd: 0.05 },
    'model-cost-raised',
    RiskTier.Medium,
    ['aiPlatformOwner'],
  ],
  // retrieval source → data owner; sensitive, stale, customer-specific, unverified data
  [
    'new retrieval source',
    ConfigSurface.RetrievalProfile,
    { sources: ['kb'] },
    { sources: ['kb', 'crm'] },
    'retrieval-source-added',
    RiskTier.High,
    ['dataOwner'],
  ],
  [
    'sensitive data',
    ConfigSurface.RetrievalProfile,
    { sensitivity: 'internal' },
    { sensitivity: 'confidential' },
    'retrieval-sensitive-data',
    RiskTier.High,
    ['dataOwner'],
  ],
  [
    'stale data',
    ConfigSurface.RetrievalProfile,
    { maxAgeDays: 30 },
    { maxAgeDays: 720 },
    'retrieval-stale-data',
    RiskTier.High,
    ['dataOwner'],
  ],
  [
    'customer-specific data',
    ConfigSurface.RetrievalProfile,
    { customerSpecific: false },
    { customerSpecific: true },
    'retrieval-customer-specific',
    RiskTier.High,
    ['dataOwner'],
  ],
  [
    'unverified data',
    ConfigSurface.RetrievalProfile,
    { verifiedOnly: true },
    { verifiedOnly: false },
    'retrieval-unverified',
    RiskTier.High,
    ['dataOwner'],
  ],
  // tool policy → security/platform/operations owner; writes, external effects, permissions, production automation
  [
    'tool write actions',
    ConfigSurface.ToolPolicy,
    { tools: { crm: { write: false } } },
    { tools: { crm: { write: true } } },
    'tool-enables-writes',
    RiskTier.Restricted,
    ['security'],
  ],
  [
    'a new tool that writes',
    ConfigSurface.ToolPolicy,
    { tools: {} },
    { tools: { crm: { write: true } } },
    'tool-enables-writes',
    RiskTier.Restricted,
    ['security'],
  ],
  [
    'tool external effects',
    ConfigSurface.ToolPolicy,
    { tools: { mail: { externalEffects: false } } },
    { tools: { mail: { externalEffects: true } } },
    'tool-external-effects',
    RiskTier.Restricted,
    ['security'],
  ],
  [
    'tool permission changes',
    ConfigSurface.ToolPolicy,
    { permissions: ['orders:read'] },
    { permissions: ['orders:read', 'orders:cancel'] },
    'tool-permissions-added',
    RiskTier.High,
    ['security'],
  ],
  [
    'production automation',
    ConfigSurface.ToolPolicy,
    { automation: { production: false } },
    { automation: { production: true } },
    'tool-production-automation',
    RiskTier.Restricted,
    ['operationsOwner', 'security'],
  ],
  // guardrail threshold → safety/support/domain owner; anything that reduces review, escalation, grounding or confidence
  [
    'reduced confidence',
    ConfigSurface.GuardrailThreshold,
    { minConfidence: 0.8 },
    { minConfidence: 0.7 },
    'guardrail-confidence-lowered',
    RiskTier.High,
    ['safetyOwner'],
  ],
  [
    'reduced grounding',
    ConfigSurface.GuardrailThreshold,
    { minGroundingScore: 0.7 },
    { minGroundingScore: 0.5 },
    'guardrail-grounding-lowered',
    RiskTier.High,
    ['safetyOwner'],
  ],
  [
    'reduced review',
    ConfigSurface.GuardrailThreshold,
    { reviewBelowConfidence: 0.5 },
    { reviewBelowConfidence: 0.3 },
    'guardrail-review-reduced',
    RiskTier.High,
    ['supportOwner'],
  ],
  [
    'reduced escalation',
    ConfigSurface.GuardrailThreshold,
    { escalateAboveRisk: 0.6 },
    { escalateAboveRisk: 0.9 },
    'guardrail-escalation-reduced',
    RiskTier.High,
    ['supportOwner'],
  ],
  [
    'a disabled check',
    ConfigSurface.GuardrailThreshold,
    { checks: { pii: true } },
    { checks: { pii: false } },
    'guardrail-check-disabled',
    RiskTier.High,
    ['safetyOwner'],
  ],
  // rollout expansion → release owner; beyond internal, beta, regional or low-risk cohorts
  [
    'rollout beyond safe cohorts',
    ConfigSurface.RolloutRule,
    { audience: 'beta' },
    { audience: 'general' },
    'rollout-beyond-safe-cohorts',
    RiskTier.High,
    ['releaseOwner'],
  ],
  // fallback
  [
    'a fallback without handoff',
    ConfigSurface.Fallback,
    { mode: 'human-handoff' },
    { mode: 'secondary-model' },
    'fallback-leaves-safe-modes',
    RiskTier.High,
    ['aiPlatformOwner', 'featureOwner'],
  ],
];

const everyEvidence = [
  EvidenceType.OfflineEval,
  EvidenceType.RollbackTest,
  EvidenceType.SecurityReview,
  EvidenceType.ShadowTraffic,
].map(passed);

describe('reviewer matrix: when to escalate', () => {
  it.each(escalationRows)('escalates %s', (_name, surface, baseline, candidate, ruleId, tier, roles) => {
    const evaluation = evaluate(changeOf(surface, baseline, candidate), policy);
    expect(evaluation.tier).toBe(tier);
    expect(evaluation.firedRules.map((rule) => rule.ruleId)).toEqual([ruleId]);
    const requiredRoles = evaluation.requiredApprovals.mustInclude.flatMap((requirement) => requirement.anyOf).sort();
    expect(requiredRoles).toEqual(expect.arrayContaining(roles));
  });

  it.each(escalationRows)(
    'approves %s once its escalation roles approved too, and keeps it pending without them',
    (_name, surface, baseline, candidate, _ruleId, _tier, roles) => {
      const change = changeOf(surface, baseline, candidate);
      const surfaceReviewer = defaultReviewerRows.find(([rowSurface]) => rowSurface === surface)![3][0]!;
      const holders = [...new Set([surfaceReviewer, ...roles])].map((role) => approval(`${role}@example.com`, [role]));
      const colleague = approval('colleague@example.com');
      expect(decide(change, [...holders, colleague], everyEvidence, policy).status).toBe(DecisionStatus.Approved);
      const withoutEscalation = holders.filter((review) => !review.roles.some((role) => roles.includes(role)));
      const decision = decide(change, [...withoutEscalation, colleague], everyEvidence, policy);
      expect(decision.status).toBe(DecisionStatus.Pending);
      expect(decision.missing.roles.flatMap((requirement) => requirement.anyOf)).toEqual(
        expect.arrayContaining([roles[0]]),
      );
    },
  );

  it('takes tightened guardrails and smaller rollouts as the safe direction', () => {
    expect(
      evaluate(changeOf(ConfigSurface.GuardrailThreshold, { minConfidence: 0.6 }, { minConfidence: 0.9 }), policy).tier,
    ).toBe(RiskTier.Medium);
    const shrink = evaluate(
      changeOf(ConfigSurface.RolloutRule, { audience: 'beta', percentage: 50 }, { audience: 'beta', percentage: 5 }),
      policy,
    );
    expect(shrink.tier).toBe(RiskTier.Low);
    expect(shrink.firedRules.map((rule) => rule.ruleId)).toEqual(['rollout-percentage-reduced']);
  });

  it('keeps an expansion within safe cohorts at the rollout default', () => {
    const regional = evaluate(
      changeOf(ConfigSurface.RolloutRule, { audience: 'internal' }, { audience: 'regional' }),
      policy,
    );
    expect(regional.tier).toBe(RiskTier.Medium);
    expect(regional.firedRules).toEqual([]);
  });

  it('does not escalate a claim word the prompt already had', () => {
    const evaluation = evaluate(
      changeOf(ConfigSurface.Prompt, 'We guarantee answers.', 'We guarantee answers, kindly.'),
      policy,
    );
    expect(evaluation.firedRules).toEqual([]);
    expect(evaluation.tier).toBe(RiskTier.Medium);
  });
});
