import { readFileSync } from 'node:fs';
import {
  changeRecordSchema,
  CleanupKind,
  EvidenceResult,
  ReviewDecision,
  type ChangeRecord,
  type ChangeRecordInput,
  type ConfigSurface,
  type EvidenceItem,
  type Review,
} from '../../../src/changes/model/index.js';
import type { JsonValue } from '../../../src/canonical/index.js';
import { DEFAULT_POLICY_PATH, parsePolicy, type Policy } from '../../../policies/index.js';

/** Text of the bundled default policy. */
export const defaultPolicyText = readFileSync(DEFAULT_POLICY_PATH, 'utf8');

/** The bundled default policy, parsed. */
export const defaultPolicy: Policy = parsePolicy(defaultPolicyText, DEFAULT_POLICY_PATH);

/** The requester of every fixture change. */
export const REQUESTER = 'requester@example.com';

/** A valid one-flag change record of `surface` in production, with a release plan every tier accepts. */
export function changeOf(
  surface: ConfigSurface,
  baseline: JsonValue,
  candidate: JsonValue,
  overrides: Partial<ChangeRecordInput> = {},
): ChangeRecord {
  return changeRecordSchema.parse({
    key: 'fixture-change',
    title: 'Fixture change',
    owner: 'owning-team',
    service: 'assistant',
    environment: 'production',
    affectedWorkflow: 'chat',
    requester: REQUESTER,
    flags: [{ key: `fixture-${surface}`, surface, baseline, candidate }],
    behaviourChange: 'something changes',
    impact: { data: 'none', cost: 'none', latency: 'none', safety: 'none', support: 'none', compliance: 'none' },
    release: {
      decisionOwner: 'release-management',
      stages: [
        { name: 'canary', audience: 'all users', percentage: 1, minDuration: '24h' },
        { name: 'ten', audience: 'all users', percentage: 10, minDuration: '24h' },
        { name: 'all', audience: 'all users', percentage: 100, minDuration: '24h' },
      ],
      rollback: { plan: 'roll back to the baseline', fallbackBehaviour: 'baseline behaviour' },
    },
    cleanup: { kind: CleanupKind.Durable },
    ...overrides,
  } satisfies ChangeRecordInput);
}

/** An approving review by `reviewer` holding `roles`. */
export function approval(reviewer: string, roles: string[] = [], at = '2026-03-01T10:00:00Z'): Review {
  return { reviewer, roles, decision: ReviewDecision.Approve, comment: '', at };
}

/** A rejecting review. */
export function rejection(reviewer: string, roles: string[] = [], at = '2026-03-01T11:00:00Z'): Review {
  return { reviewer, roles, decision: ReviewDecision.Reject, comment: 'not like this', at };
}

/** A passed evidence item of `type`. */
export function passed(type: EvidenceItem['type']): EvidenceItem {
  return { type, summary: `${type} done`, result: EvidenceResult.Passed };
}
