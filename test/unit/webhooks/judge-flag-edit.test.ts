import { describe, expect, it } from 'vitest';
import { flagSchema, type FeatBitFlag } from '../../../src/featbit/model/index.js';
import { EditVerdictKind, governedFieldPatch, judgeFlagEdit, wholesaleRestorePatch } from '../../../webhooks/index.js';

const approved: FeatBitFlag = flagSchema.parse({
  id: 'f1',
  key: 'assistant-model-route',
  name: 'Assistant route',
  variationType: 'json',
  variations: [
    { id: 'base', name: 'current', value: '{"m":"a"}' },
    { id: 'cand', name: 'candidate', value: '{"m":"b"}' },
  ],
  isEnabled: true,
  disabledVariationId: 'base',
  fallthrough: {
    variations: [
      { id: 'cand', rollout: [0, 0.05] },
      { id: 'base', rollout: [0.05, 1] },
    ],
  },
  tags: ['ai'],
});

const withShare = (flag: FeatBitFlag, share: number): FeatBitFlag => ({
  ...flag,
  fallthrough: {
    ...flag.fallthrough,
    variations: [
      { id: 'cand', rollout: [0, share], exptRollout: 1 },
      { id: 'base', rollout: [share, 1], exptRollout: 1 },
    ],
  },
});

const judge = (live: FeatBitFlag, against: FeatBitFlag = approved) =>
  judgeFlagEdit({ approved: against, live, baselineVariationId: 'base', segmentsBefore: [], segmentsAfter: [] });

describe('judging on/off apart from the configuration (ARCHITECTURE.md invariant 10)', () => {
  it('calls "off with 50%" unauthorized against "on with 5%": switching back on would serve the 50%', () => {
    const verdict = judge({ ...withShare(approved, 0.5), isEnabled: false });
    expect(verdict.kind).toBe(EditVerdictKind.Unauthorized);
    expect(verdict.widened).toEqual(['cand']);
  });

  it('accepts a real narrowing made with a switch-off, and a plain switch-off as on/off only', () => {
    expect(judge({ ...withShare(approved, 0.01), isEnabled: false }).kind).toBe(EditVerdictKind.SafeDirection);
    expect(judge({ ...approved, isEnabled: false }).kind).toBe(EditVerdictKind.OnOff);
  });

  it('accepts switching on into the last approved on-configuration, and nothing wider', () => {
    const off = { ...approved, isEnabled: false };
    expect(judge(approved, off).kind).toBe(EditVerdictKind.OnOff);
    expect(judge(withShare(approved, 0.2), off).kind).toBe(EditVerdictKind.Unauthorized);
  });

  it('calls an off variation moved to the candidate unauthorized, whether the flag is on or off', () => {
    expect(judge({ ...approved, disabledVariationId: 'cand' }).kind).toBe(EditVerdictKind.Unauthorized);
    expect(judge({ ...approved, disabledVariationId: 'cand', isEnabled: false }).kind).toBe(
      EditVerdictKind.Unauthorized,
    );
  });

  it('calls a new key unauthorized even when nothing else changed', () => {
    expect(judge({ ...approved, key: 'escaped' }).kind).toBe(EditVerdictKind.Unauthorized);
  });
});

describe('restoring the fields no guarded endpoint writes', () => {
  it('patches back only the governed fields that differ, the key last', () => {
    const live = {
      ...approved,
      tags: [],
      variationType: 'string',
      key: 'escaped',
      isArchived: true,
    } as unknown as Record<string, unknown>;
    const patch = governedFieldPatch(live, approved);
    expect(patch.map((operation) => operation.path)).toEqual(['/tags', '/variationType', '/isArchived', '/key']);
    expect(governedFieldPatch(approved as unknown as Record<string, unknown>, approved)).toEqual([]);
  });

  it('restores an unparseable flag with one patch that leaves a boolean switch alone and switches off anything else', () => {
    const kept = wholesaleRestorePatch({ isEnabled: false, variations: null }, approved);
    expect(kept.some((operation) => operation.path === '/isEnabled')).toBe(false);
    expect(kept.find((operation) => operation.path === '/variations')!.value).toEqual(
      approved.variations.map(({ id, name, value }) => ({ id, name, value })),
    );
    expect(wholesaleRestorePatch({ isEnabled: 'yes' }, approved)[0]).toEqual({
      op: 'add',
      path: '/isEnabled',
      value: false,
    });
  });
});
