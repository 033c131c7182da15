import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WEBHOOK_PAYLOAD_TEMPLATE,
  flagWebhookDataObject,
  renderPayload,
  segmentWebhookDataObject,
} from '../../../src/sandbox/webhooks/index.js';
import { flagSchema, segmentSchema } from '../../../src/featbit/model/index.js';
import { identifyWebhookTarget, WebhookObjectKind } from '../../../webhooks/index.js';
import { readReference } from '../../support/reference.js';

const resource = {
  organization: { id: 'org-1', name: 'Acme & <Sons>' },
  project: { id: 'proj-1', name: 'Assistant "AI"' },
  environment: { id: 'env-prod-1', name: 'Prod – EU' },
};

const head = (operator: string) => ({
  events: ['feature_flag.default_rule_changed', 'feature_flag.targeting_rules_changed'],
  operator,
  happenedAt: new Date('2024-05-01T10:11:12.123Z'),
  changes: ['Variation updated to \'b\' with value \'{"tone":"calm"}\''],
  resource,
});

describe('identifying deliveries rendered with FeatBit’s own escaping (sandbox renderer)', () => {
  const referenceFlags = readReference('server-sdk-flags.eval-server-fakes.json') as unknown[];

  it.each(referenceFlags.map((flag) => [(flag as { key: string }).key, flag]))(
    'finds flag %s and its environment',
    (_key, raw) => {
      const flag = flagSchema.parse(raw);
      const body = renderPayload(
        DEFAULT_WEBHOOK_PAYLOAD_TEMPLATE,
        flagWebhookDataObject(head('alice'), { ...flag, name: `${flag.name} "quoted" <b> & café` }),
      );
      expect(body).toContain('&quot;quoted&quot;');
      expect(identifyWebhookTarget(body)).toEqual({
        kind: WebhookObjectKind.FeatureFlag,
        envId: 'env-prod-1',
        flagKey: flag.key,
        operator: 'alice',
      });
    },
  );

  it('decodes an operator name FeatBit HTML-escaped', () => {
    const flag = flagSchema.parse(referenceFlags[0]);
    const body = renderPayload(
      DEFAULT_WEBHOOK_PAYLOAD_TEMPLATE,
      flagWebhookDataObject(head('Zoë "ops" <admin> & O\'Neil'), flag),
    );
    expect(body).toContain('Zo&#235; &quot;ops&quot;');
    expect(identifyWebhookTarget(body).operator).toBe('Zoë "ops" <admin> & O\'Neil');
  });

  it('finds the segment of a segment delivery', () => {
    const [raw] = readReference('server-sdk-segments.eval-server-fakes.json') as unknown[];
    const segment = segmentSchema.parse(raw);
    const body = renderPayload(
      DEFAULT_WEBHOOK_PAYLOAD_TEMPLATE,
      segmentWebhookDataObject({ ...head('bob'), events: ['segment.rules_changed'] }, segment, [
        { envId: 'env-prod-1', id: 'f1', name: 'Flag "one"', key: 'flag-one' },
      ]),
    );
    expect(identifyWebhookTarget(body)).toEqual({
      kind: WebhookObjectKind.Segment,
      envId: 'env-prod-1',
      segmentId: segment.id,
      operator: 'bob',
    });
  });
});
