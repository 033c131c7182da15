import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { flagSchema } from '../../../src/featbit/model/index.js';
import {
  DEFAULT_WEBHOOK_PAYLOAD_TEMPLATE,
  dotnetJson,
  flagWebhookDataObject,
  formatDotnetDouble,
  formatRoundTripUtc,
  htmlEncodeLegacy,
  renderPayload,
  signWebhookPayload,
} from '../../../src/sandbox/index.js';
import { readReference } from '../../support/reference.js';

describe('webhook signature', () => {
  it('matches the FeatBit docs test vector', () => {
    expect(signWebhookPayload("It's a Secret to Everybody", 'Hello, World!')).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it('signs the exact UTF-8 bytes of the body', () => {
    const body = '{"name":"caf\u00e9 &#233;"}';
    const independent = createHmac('sha256', 's3cret').update(Buffer.from(body, 'utf8')).digest('hex');
    expect(signWebhookPayload('s3cret', body)).toBe(`sha256=${independent}`);
  });
});

describe('Handlebars.Net legacy HTML encoding of plain fields', () => {
  it('escapes quotes, ampersands, angle brackets and characters above 159 but leaves apostrophes', () => {
    expect(htmlEncodeLegacy(`a"b&c<d>e'f=g\`h`)).toBe("a&quot;b&amp;c&lt;d&gt;e'f=g`h");
    expect(htmlEncodeLegacy('caf\u00e9 \u00a0 \u009f')).toBe('caf&#233; &#160; \u009f');
  });
});

describe('System.Text.Json default escaping of the json helper', () => {
  it('writes quotes inside strings as \\u0022 and HTML-sensitive or non-ASCII characters as \\uXXXX', () => {
    expect(dotnetJson(['"cn"', "it's", '<a&b>+`', '\u00e9\ud83d\ude00', 'line\nbreak\\'])).toBe(
      '["\\u0022cn\\u0022","it\\u0027s","\\u003Ca\\u0026b\\u003E\\u002B\\u0060","\\u00E9\\uD83D\\uDE00","line\\nbreak\\\\"]',
    );
  });

  it('keeps property order, nulls and raw booleans', () => {
    expect(dotnetJson({ id: 'r', dispatchKey: null, includedInExpt: false, rollout: [0, 0.2] })).toBe(
      '{"id":"r","dispatchKey":null,"includedInExpt":false,"rollout":[0,0.2]}',
    );
  });

  it('formats doubles like .NET', () => {
    expect([0, 1, 0.2, 0.0001, 0.00001, 1e-7, 1e15].map(formatDotnetDouble)).toEqual([
      '0',
      '1',
      '0.2',
      '0.0001',
      '1E-05',
      '1E-07',
      '1E+15',
    ]);
  });
});

describe('default payload template', () => {
  const flag = flagSchema.parse((readReference('server-sdk-flags.eval-server-fakes.json') as unknown[])[3]);
  const render = (operator: string) =>
    renderPayload(
      DEFAULT_WEBHOOK_PAYLOAD_TEMPLATE,
      flagWebhookDataObject(
        {
          events: ['feature_flag.default_rule_changed', 'feature_flag.targeting_rules_changed'],
          operator,
          happenedAt: new Date('2023-12-24T19:04:01.669Z'),
          changes: ["Disabled variation updated to 'x'"],
          resource: {
            organization: { id: 'o', name: 'Org' },
            project: { id: 'p', name: 'Proj' },
            environment: { id: 'e', name: 'Prod' },
          },
        },
        flag,
      ),
    );

  it('renders valid JSON with raw booleans, the comma-joined events and the flag', () => {
    const payload = JSON.parse(render('alice'));
    expect(payload.event).toBe('feature_flag.default_rule_changed,feature_flag.targeting_rules_changed');
    expect(payload.data.kind).toBe('feature flag');
    expect(payload.data.object.isEnabled).toBe(true);
    expect(payload.data.object.isArchived).toBe(false);
    expect(payload.data.object.key).toBe('two-custom-rules');
    expect(payload.data.object.rules[1].conditions[0].value).toBe(flag.rules[1]!.conditions[0]!.value);
    expect(payload).not.toHaveProperty('data.object.revision');
    expect(payload).not.toHaveProperty('data.object.included');
  });

  it('emits FeatBit escaping on the wire: entities in plain fields, \\u escapes in embedded JSON', () => {
    const body = render('Zo\u00eb "Q" & co');
    expect(body).toContain('"operator": "Zo&#235; &quot;Q&quot; &amp; co"');
    expect(body).toContain('"changes": ["Disabled variation updated to \\u0027x\\u0027"]');
    expect(body).toContain('\\u0022cn\\u0022');
    expect(body).toContain('"happenedAt": "2023-12-24T19:04:01.6690000Z"');
    expect(body).not.toMatch(/\{\{|eq data\.kind/);
    expect(body.split('\n').filter((line) => line.trim() === '')).toHaveLength(0);
  });

  it('formats timestamps with seven fractional digits', () => {
    expect(formatRoundTripUtc(new Date('2024-01-02T03:04:05.006Z'))).toBe('2024-01-02T03:04:05.0060000Z');
  });
});
