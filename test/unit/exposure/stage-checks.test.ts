import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_PATH, evaluate, loadPolicyFile } from '../../../policies/index.js';
import {
  ChangeStatus,
  EvidenceResult,
  EvidenceType,
  GuardrailAction,
  HoldOperator,
} from '../../../src/changes/model/index.js';
import { ConflictError, PolicyViolationError } from '../../../src/errors/index.js';
import { assertStageAllowed } from '../../../src/releases/index.js';
import { changeState, exampleRecord } from './exposure-fixtures.js';

const policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
const record = exampleRecord((base) => ({
  ...base,
  release: {
    ...base.release,
    stages: [
      { name: 'canary', audience: 'all users', percentage: 1, minDuration: '24h' },
      { name: 'everyone', audience: 'all users', percentage: 100, minDuration: '1h' },
    ],
    holdIf: [{ metric: 'escalationRate', operator: HoldOperator.Above, threshold: 0.05, action: GuardrailAction.Hold }],
  },
}));
const evaluation = evaluate(record, policy);
const appliedAt = '2026-03-02T10:00:00.000Z';
const expansion = [{ type: EvidenceType.ShadowTraffic, summary: 'shadow run', result: EvidenceResult.Passed }];
const releasing = changeState(record, {
  status: ChangeStatus.Releasing,
  stageIndex: 0,
  stageAppliedAt: appliedAt,
  evidence: expansion,
});
const after = (hours: number) => new Date(Date.parse(appliedAt) + hours * 3_600_000);

function refusal(fn: () => void): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('the stage was allowed');
}

describe('stage checks', () => {
  it('allows the first stage of an approved change', () => {
    expect(() => assertStageAllowed({ state: changeState(record), index: 0, evaluation, now: after(0) })).not.toThrow();
  });

  it('refuses a stage the plan does not contain, naming the stages it has', () => {
    const error = refusal(() => assertStageAllowed({ state: releasing, index: 4, evaluation, now: after(48) }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(
      'stage 5 is not in the release plan of router-switch-provider; the plan has 2 stage(s): 1 canary, 2 everyone',
    );
  });

  it('refuses the next stage until the applied stage has run its minimum duration, saying from when it may', () => {
    const error = refusal(() => assertStageAllowed({ state: releasing, index: 1, evaluation, now: after(23) }));
    expect(error.message).toContain('stage 1 (canary) must run at least 24h before stage 2');
    expect(error.message).toContain('may be applied from 2026-03-03T10:00:00.000Z');
    expect(() => assertStageAllowed({ state: releasing, index: 1, evaluation, now: after(24) })).not.toThrow();
  });

  it('refuses any ramp while the release is held, with the hold reason', () => {
    const held = {
      ...releasing,
      status: ChangeStatus.Held,
      statusReason: 'guardrail breached: escalationRate 0.09 above 0.05',
    };
    expect(refusal(() => assertStageAllowed({ state: held, index: 1, evaluation, now: after(48) })).message).toContain(
      'is held (guardrail breached: escalationRate 0.09 above 0.05)',
    );
  });

  it('refuses widening while the latest signal breaks a guardrail, and allows it once a healthy value arrives', () => {
    const breached = {
      ...releasing,
      signals: { escalationRate: { value: 0.09, observedAt: appliedAt, source: 'api', seq: 9 } },
    };
    expect(
      refusal(() => assertStageAllowed({ state: breached, index: 1, evaluation, now: after(48) })).message,
    ).toContain('a guardrail holds the release of router-switch-provider: escalationRate 0.09 above 0.05');
    const healthy = {
      ...releasing,
      signals: { escalationRate: { value: 0.04, observedAt: appliedAt, source: 'api', seq: 10 } },
    };
    expect(() => assertStageAllowed({ state: healthy, index: 1, evaluation, now: after(48) })).not.toThrow();
  });

  it('refuses exposure beyond the first stage without the expansion evidence the tier requires', () => {
    const withoutEvidence = { ...releasing, evidence: [] };
    const error = refusal(() => assertStageAllowed({ state: withoutEvidence, index: 1, evaluation, now: after(48) }));
    expect(error).toBeInstanceOf(PolicyViolationError);
    expect(error.message).toContain('needs passed evidence of shadowTraffic or guardrailMetrics');
  });

  it('refuses skipping a stage and going back, and lets the applied stage be applied again', () => {
    expect(
      refusal(() => assertStageAllowed({ state: changeState(record), index: 1, evaluation, now: after(0) })).message,
    ).toContain('cannot be applied before stage 1 (canary)');
    const atSecond = { ...releasing, stageIndex: 1 };
    expect(
      refusal(() => assertStageAllowed({ state: atSecond, index: 0, evaluation, now: after(48) })).message,
    ).toContain('roll back instead');
    expect(() => assertStageAllowed({ state: atSecond, index: 1, evaluation, now: after(0) })).not.toThrow();
  });
});
