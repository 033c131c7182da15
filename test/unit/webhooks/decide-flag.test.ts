import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApprovedFlagState } from '../../../src/approved-state/model/index.js';
import { flagSchema, restFlagSchema, type FeatBitFlag, type RawFlag } from '../../../src/featbit/model/index.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile, type Policy } from '../../../policies/index.js';
import { decideFlag, EditVerdictKind, FlagDecisionKind, type FlagObservation } from '../../../webhooks/index.js';

const PRODUCTION = '7d2a4f10-3c1b-4e8a-9f55-1a2b3c4d5e01';
const DEVELOPMENT = '7d2a4f10-3c1b-4e8a-9f55-1a2b3c4d5e03';
const KEY = 'assistant-model-route';
let policy: Policy;
beforeAll(async () => {
  policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
});

const raw = (over: Record<string, unknown> = {}): RawFlag =>
  ({
    id: 'f1',
    key: KEY,
    name: 'Assistant route',
    description: '',
    variationType: 'json',
    variations: [
      { id: 'base', name: 'current', value: '{"m":"a"}' },
      { id: 'cand', name: 'candidate', value: '{"m":"b"}' },
    ],
    targetUsers: [],
    rules: [],
    isEnabled: true,
    disabledVariationId: 'base',
    fallthrough: {
      dispatchKey: null,
      includedInExpt: true,
      variations: [
        { id: 'cand', rollout: [0, 0.05], exptRollout: 1 },
        { id: 'base', rollout: [0.05, 1], exptRollout: 1 },
      ],
    },
    exptIncludeAllTargets: true,
    tags: [],
    isArchived: false,
    revision: '11111111-1111-1111-1111-111111111111',
    envId: PRODUCTION,
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  }) as unknown as RawFlag;
const share = (value: number) => ({
  dispatchKey: null,
  includedInExpt: true,
  variations: [
    { id: 'cand', rollout: [0, value], exptRollout: 1 },
    { id: 'base', rollout: [value, 1], exptRollout: 1 },
  ],
});
const approvedOf = (flag: FeatBitFlag, over: Partial<ApprovedFlagState> = {}): ApprovedFlagState => ({
  envId: PRODUCTION,
  flagKey: KEY,
  flag,
  segments: [],
  baselineVariationId: 'base',
  surface: 'modelRoute' as ApprovedFlagState['surface'],
  owner: 'ai-platform',
  approvedAt: '2026-01-01T00:00:00.000Z',
  approvedBy: 'alice',
  version: 1,
  ...over,
});

/** What observing FeatBit's `live` document gives, against an approved state (or none). */
function observed(
  live: RawFlag | undefined,
  approved?: ApprovedFlagState,
  envId = PRODUCTION,
  stage?: ApprovedFlagState,
): FlagObservation {
  const parsed = live ? restFlagSchema.safeParse(live) : undefined;
  return {
    envId,
    flagKey: KEY,
    ...(live ? { raw: live } : {}),
    ...(approved ? { approved } : {}),
    ...(parsed
      ? {
          shape: parsed.success
            ? { parsed: true, live: parsed.data, liveFlag: flagSchema.parse(parsed.data) }
            : { parsed: false, issues: ['fallthrough: too big'] },
        }
      : {}),
    liveSegments: [],
    unreadableSegmentIds: [],
    ...(stage ? { stage } : {}),
  };
}
const approvedFlag = () => flagSchema.parse(raw());

describe('the pure decision of a flag job', () => {
  it('does nothing when FeatBit has no flag or holds the approved state', () => {
    expect(decideFlag(observed(undefined, approvedOf(approvedFlag())), policy).kind).toBe(FlagDecisionKind.Missing);
    expect(decideFlag(observed(raw(), approvedOf(approvedFlag())), policy).kind).toBe(FlagDecisionKind.Equal);
  });

  it('accepts a narrowing and a kill switch, reverts a widening', () => {
    expect(decideFlag(observed(raw({ fallthrough: share(0.01) }), approvedOf(approvedFlag())), policy)).toMatchObject({
      kind: FlagDecisionKind.Accept,
      verdict: { kind: EditVerdictKind.SafeDirection },
    });
    expect(decideFlag(observed(raw({ isEnabled: false }), approvedOf(approvedFlag())), policy)).toMatchObject({
      kind: FlagDecisionKind.Accept,
      verdict: { kind: EditVerdictKind.OnOff },
    });
    expect(decideFlag(observed(raw({ fallthrough: share(0.5) }), approvedOf(approvedFlag())), policy)).toMatchObject({
      kind: FlagDecisionKind.Revert,
      enforce: true,
      verdict: { kind: EditVerdictKind.Unauthorized },
    });
  });

  it('accepts a widening within the applied stage of a live approved change, and only that far', () => {
    const stage = approvedOf(flagSchema.parse(raw({ fallthrough: share(0.25) })));
    expect(
      decideFlag(observed(raw({ fallthrough: share(0.25) }), approvedOf(approvedFlag()), PRODUCTION, stage), policy),
    ).toMatchObject({ kind: FlagDecisionKind.Accept, verdict: { kind: EditVerdictKind.WithinApprovedStage } });
    expect(
      decideFlag(observed(raw({ fallthrough: share(0.3) }), approvedOf(approvedFlag()), PRODUCTION, stage), policy)
        .kind,
    ).toBe(FlagDecisionKind.Revert);
  });

  it('restores an approved flag FeatBit holds in a shape featgate cannot parse wholesale, and only records in observe mode', () => {
    const unreadable = raw({ fallthrough: { variations: [{ id: 'cand', rollout: [0, 1.0000001], exptRollout: 1 }] } });
    expect(decideFlag(observed(unreadable, approvedOf(approvedFlag())), policy)).toMatchObject({
      kind: FlagDecisionKind.RestoreWholesale,
      enforce: true,
    });
    expect(
      decideFlag(observed(unreadable, approvedOf(approvedFlag(), { envId: DEVELOPMENT }), DEVELOPMENT), policy),
    ).toMatchObject({ kind: FlagDecisionKind.RestoreWholesale, enforce: false });
  });

  it('keeps a flag with an approved state governed whatever its live key says', () => {
    expect(
      decideFlag(observed(raw({ key: 'renamed', fallthrough: share(1) }), approvedOf(approvedFlag())), policy).kind,
    ).toBe(FlagDecisionKind.Revert);
  });

  it('never approves a governed flag nobody approved: converges it, or switches it off when unreadable', () => {
    const decision = decideFlag(observed(raw({ fallthrough: share(0.5) })), policy);
    expect(decision).toMatchObject({
      kind: FlagDecisionKind.Converge,
      baselineVariationId: 'base',
      safe: { isEnabled: false, disabledVariationId: 'base' },
    });
    expect(
      decideFlag(
        observed(
          raw({
            isEnabled: false,
            fallthrough: {
              dispatchKey: null,
              includedInExpt: true,
              variations: [{ id: 'base', rollout: [0, 1], exptRollout: 1 }],
            },
          }),
        ),
        policy,
      ).kind,
    ).toBe(FlagDecisionKind.Unapproved);
    expect(
      decideFlag(
        observed(raw({ fallthrough: { variations: [{ id: 'cand', rollout: [0, 2], exptRollout: 1 }] } })),
        policy,
      ).kind,
    ).toBe(FlagDecisionKind.SwitchOffUnreadable);
    expect(decideFlag(observed(raw({ key: 'not-governed-at-all' })), policy).kind).toBe(FlagDecisionKind.Ungoverned);
  });

  it('never accepts an edit that widens a non-baseline variation (random rollouts)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean(), (value, enabled) => {
        const decision = decideFlag(
          observed(raw({ fallthrough: share(value), isEnabled: enabled }), approvedOf(approvedFlag())),
          policy,
        );
        if (value > 0.05) expect(decision.kind).toBe(FlagDecisionKind.Revert);
        else expect([FlagDecisionKind.Accept, FlagDecisionKind.Equal]).toContain(decision.kind);
      }),
    );
  });
});
