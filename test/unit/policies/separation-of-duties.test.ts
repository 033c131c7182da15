import { describe, expect, it } from 'vitest';
import { ConfigSurface, EvidenceType } from '../../../src/changes/model/index.js';
import { decide, DecisionStatus, evaluate, parsePolicy } from '../../../policies/index.js';
import {
  approval,
  changeOf,
  defaultPolicy as policy,
  defaultPolicyText,
  passed,
  rejection,
  REQUESTER,
} from './policy-fixtures.js';

const claims = changeOf(ConfigSurface.Prompt, 'We help.', 'We guarantee help within an hour.');
const evidence = [passed(EvidenceType.OfflineEval), passed(EvidenceType.RollbackTest)];

describe('separation of duties', () => {
  it('needs a distinct person per required role: the feature owner and compliance', () => {
    const evaluation = evaluate(claims, policy);
    expect(evaluation.requiredApprovals.count).toBe(2);
    expect(evaluation.requiredApprovals.mustInclude.map((requirement) => requirement.anyOf)).toEqual([
      ['featureOwner'],
      ['compliance'],
    ]);
  });

  it('does not let one person holding both roles fill both', () => {
    const decision = decide(claims, [approval('both@example.com', ['featureOwner', 'compliance'])], evidence, policy);
    expect(decision.status).toBe(DecisionStatus.Pending);
    expect(decision.missing.approvals).toBe(1);
    expect(decision.missing.roles).toHaveLength(1);
  });

  it('finds the assignment that covers every role when one approver could fill either', () => {
    const reviews = [
      approval('both@example.com', ['featureOwner', 'compliance']),
      approval('owner@example.com', ['featureOwner']),
    ];
    expect(decide(claims, reviews, evidence, policy).status).toBe(DecisionStatus.Approved);
  });

  it('lets one person cover several roles when the policy allows it, still counting them once', () => {
    const lenient = parsePolicy(
      defaultPolicyText.replace('\n  onePersonMayFillSeveralRoles: false', '\n  onePersonMayFillSeveralRoles: true'),
    );
    const evaluation = evaluate(claims, lenient);
    expect(evaluation.requiredApprovals.count).toBe(1);
    expect(
      decide(claims, [approval('both@example.com', ['featureOwner', 'compliance'])], evidence, lenient).status,
    ).toBe(DecisionStatus.Approved);
    const restricted = changeOf(ConfigSurface.ToolPolicy, { tools: {} }, { tools: { crm: { write: true } } });
    const decision = decide(restricted, [approval('sec@example.com', ['security', 'platformOwner'])], [], lenient);
    expect(decision.missing.approvals).toBe(1);
  });

  it('ignores the reviews of every author, editors included, and counts people, not spellings', () => {
    const edited = { ...claims, authors: [REQUESTER, 'admin-who-rewrote@example.com'] };
    const reviews = [
      approval('Admin-Who-Rewrote@example.com', ['featureOwner']),
      approval('legal@example.com', ['compliance']),
    ];
    const decision = decide(edited, reviews, evidence, policy);
    expect(decision.status).toBe(DecisionStatus.Pending);
    expect(decision.approvedBy).toEqual(['legal@example.com']);
    expect(decision.reasons[0]).toBe(
      'reviews by Admin-Who-Rewrote@example.com do not count: Admin-Who-Rewrote@example.com is an author of the change (edited it), and nobody approves their own change',
    );
    const sameLegal = (identity: string) =>
      ['legal@example.com', 'legal-token'].includes(identity) ? 'legal' : identity;
    const twice = decide(
      claims,
      [approval('legal@example.com', ['compliance']), approval('legal-token', ['featureOwner'])],
      evidence,
      policy,
      evaluate(claims, policy),
      { personOf: sameLegal },
    );
    expect(twice.approvedBy).toHaveLength(1);
    expect(twice.status).toBe(DecisionStatus.Pending);
  });

  it('ignores every review by the requester, including a rejection', () => {
    const reviews = [
      rejection(REQUESTER),
      approval('owner@example.com', ['featureOwner']),
      approval('legal@example.com', ['compliance']),
    ];
    const decision = decide(claims, reviews, evidence, policy);
    expect(decision.status).toBe(DecisionStatus.Approved);
    expect(decision.rejectedBy).toEqual([]);
  });

  it("counts only each reviewer's latest review", () => {
    const changedMind = [
      approval('owner@example.com', ['featureOwner'], '2026-03-01T10:00:00Z'),
      rejection('owner@example.com', ['featureOwner'], '2026-03-01T12:00:00Z'),
    ];
    expect(decide(claims, changedMind, evidence, policy).status).toBe(DecisionStatus.Rejected);
    const reconsidered = [
      rejection('owner@example.com', ['featureOwner'], '2026-03-01T10:00:00Z'),
      approval('owner@example.com', ['featureOwner'], '2026-03-01T12:00:00Z'),
    ];
    const decision = decide(claims, reconsidered, evidence, policy);
    expect(decision.status).toBe(DecisionStatus.Pending);
    expect(decision.approvedBy).toEqual(['owner@example.com']);
  });

  it('reports exactly what is missing when nothing has happened yet', () => {
    const decision = decide(claims, [], [], policy);
    expect(decision.missing).toEqual({
      approvals: 2,
      roles: [
        { anyOf: ['featureOwner'], reasons: ['default reviewer of prompt'] },
        { anyOf: ['compliance'], reasons: ['escalated by rule prompt-claims'] },
      ],
      evidence: [
        { anyOf: ['offlineEval'], phase: 'approval' },
        { anyOf: ['rollbackTest'], phase: 'approval' },
      ],
      releasePlan: [],
    });
  });
});
