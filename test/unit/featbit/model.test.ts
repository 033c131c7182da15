import { describe, expect, it } from 'vitest';
import {
  restFlagSchema,
  sdkDataSyncSchema,
  sdkFlagSchema,
  segmentSchema,
  webhookFlagSchema,
} from '../../../src/featbit/model/index.js';
import { readReference as reference } from '../../support/reference.js';

describe('FeatBit model', () => {
  it('reads every reference flag and segment in the SDK shape', () => {
    const flags = reference('server-sdk-flags.eval-server-fakes.json') as unknown[];
    const segments = reference('server-sdk-segments.eval-server-fakes.json') as unknown[];
    expect(flags.map((flag) => sdkFlagSchema.parse(flag).key)).toEqual([
      'returns-true',
      'return-10p-true',
      'individual-targeting',
      'two-custom-rules',
      'custom-rule-with-segment',
    ]);
    expect(segments.map((segment) => segmentSchema.parse(segment).name)).toEqual(['segment-01', 'segment-02']);
  });

  it('reads the REST entity with its revision and the SDK bootstrap document', () => {
    const envelope = reference('api-get-flag-response.constructed.json') as { data: unknown };
    expect(restFlagSchema.parse(envelope.data).revision).toBe('c55d5bd8-7f45-4ed9-a5c1-5c6e4f2637c9');
    const sync = sdkDataSyncSchema.parse(reference('sdk-bootstrap.node-sdk-test.json'));
    expect(sync.data.featureFlags[0]?.key).toBe('example-flag');
  });

  it('keeps unknown fields and accepts the webhook object with booleans as strings', () => {
    const envelope = reference('api-get-flag-response.constructed.json') as { data: Record<string, unknown> };
    const { revision: _revision, envId: _envId, ...object } = envelope.data;
    const parsed = webhookFlagSchema.parse({ ...object, isEnabled: 'false', isArchived: 'true', extra: 1 });
    expect(parsed.isEnabled).toBe(false);
    expect(parsed.isArchived).toBe(true);
    expect((parsed as Record<string, unknown>).extra).toBe(1);
  });

  it('rejects a flag whose rollout is not a pair of fractions, naming the field', () => {
    const envelope = reference('api-get-flag-response.constructed.json') as { data: Record<string, unknown> };
    const bad = structuredClone(envelope.data) as { fallthrough: { variations: { rollout: unknown }[] } };
    bad.fallthrough.variations[0]!.rollout = [0, 100];
    const result = restFlagSchema.safeParse(bad);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['fallthrough', 'variations', 0, 'rollout', 1]);
  });
});
