import { describe, expect, it } from 'vitest';
import { decodeHtmlEntities, identifyWebhookTarget, WebhookObjectKind } from '../../../webhooks/index.js';
import { ValidationError } from '../../../src/errors/index.js';

const envId = '6b0ae4a6-3d3f-4b55-9f1a-2b3f1d5d6a01';

/** A flag delivery shaped like FeatBit's default template output, with its escaping. */
function flagDelivery(overrides: { key?: string; operator?: string; envId?: string } = {}): string {
  return `{
  "event": "feature_flag.default_rule_changed,feature_flag.targeting_rules_changed",
  "operator": "${overrides.operator ?? 'alice'}",
  "happenedAt": "2024-05-01T10:11:12.1234567Z",
  "changes": ["Update default rule variation","Variation updated to \\u0027b\\u0027 with value \\u0027x\\u0027"],
  "organization": {"id": "o1", "name": "Acme &amp; Co"},
  "project": {"id": "p1", "name": "AI &quot;assist&quot;"},
  "environment": {"id": "${overrides.envId ?? envId}", "name": "Prod"},
  "data": {
    "kind": "feature flag",
    "object": {
      "id": "f1",
      "name": "Prompt &lt;v2&gt; caf&#233;",
      "description": "Say &quot;hi&quot;",
      "tags": ["ai\\u002Bprompt"],
      "key": "${overrides.key ?? 'assistant-prompt'}",
      "variationType": "string",
      "variations": [{"id":"v1","name":"a","value":"{\\u0022tone\\u0022:\\u0022calm\\u0022}"}],
      "targetUsers": [],
      "rules": [{"id":"r1","name":"eu","dispatchKey":null,"includedInExpt":false,"conditions":[{"property":"country","op":"IsOneOf","value":"[\\u0022de\\u0022,\\u0022fr\\u0022]"}],"variations":[{"id":"v1","rollout":[0,1],"exptRollout":1}]}],
      "isEnabled": true,
      "disabledVariationId": "v1",
      "fallthrough": {"dispatchKey":null,"includedInExpt":true,"variations":[{"id":"v1","rollout":[0,1],"exptRollout":1}]},
      "exptIncludeAllTargets": true,
      "isArchived": false
    }
  }
}`;
}

describe('identifying the object a FeatBit webhook is about', () => {
  it('takes the environment and flag key from a default-template flag delivery', () => {
    expect(identifyWebhookTarget(flagDelivery())).toEqual({
      kind: WebhookObjectKind.FeatureFlag,
      envId,
      flagKey: 'assistant-prompt',
      operator: 'alice',
    });
  });

  it('decodes FeatBit’s HTML entities in the operator name', () => {
    const target = identifyWebhookTarget(flagDelivery({ operator: 'Zo&#235; &quot;ops&quot; O&#39;Neil &amp; co' }));
    expect(target.operator).toBe('Zoë "ops" O\'Neil & co');
  });

  it('decodes entities in the flag key field as well (keys with dots survive)', () => {
    expect(identifyWebhookTarget(flagDelivery({ key: 'ai.prompt_v2-&#97;' }))).toMatchObject({
      flagKey: 'ai.prompt_v2-a',
    });
  });

  it('takes the segment id from a segment delivery', () => {
    const body = JSON.stringify({
      event: 'segment.rules_changed',
      operator: 'bob',
      environment: { id: envId, name: 'Prod' },
      data: {
        kind: 'segment',
        object: {
          id: 'seg-1',
          name: 'beta',
          included: [],
          excluded: [],
          rules: [],
          isArchived: false,
          flagReferences: [],
        },
      },
    });
    expect(identifyWebhookTarget(body)).toEqual({
      kind: WebhookObjectKind.Segment,
      envId,
      segmentId: 'seg-1',
      operator: 'bob',
    });
  });

  it('ignores everything else in the body, even fields that would not validate as a flag', () => {
    const body = JSON.stringify({
      environment: { id: envId },
      data: { kind: 'feature flag', object: { key: 'k', variations: 'garbage' } },
    });
    expect(identifyWebhookTarget(body)).toEqual({ kind: WebhookObjectKind.FeatureFlag, envId, flagKey: 'k' });
  });

  it.each([
    ['not json at all', '', /not JSON/],
    [JSON.stringify({ data: { kind: 'feature flag', object: { key: 'k' } } }), 'environment', /expected object/],
    [
      JSON.stringify({ environment: { id: '' }, data: { kind: 'feature flag', object: { key: 'k' } } }),
      'environment.id',
      /empty/,
    ],
    [JSON.stringify({ environment: { id: envId }, data: { kind: 'project', object: {} } }), 'data.kind', /./],
    [
      JSON.stringify({ environment: { id: envId }, data: { kind: 'feature flag', object: {} } }),
      'data.object.key',
      /./,
    ],
    [
      JSON.stringify({ environment: { id: envId }, data: { kind: 'feature flag', object: { key: 'a b' } } }),
      'data.object.key',
      /flag key/,
    ],
    [
      JSON.stringify({ environment: { id: envId }, data: { kind: 'segment', object: { key: 'x' } } }),
      'data.object.id',
      /./,
    ],
  ])('rejects %s naming the field %s', (body, path, message) => {
    let caught: unknown;
    try {
      identifyWebhookTarget(body);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const issue = (caught as ValidationError).issues[0]!;
    expect(issue.path).toBe(path);
    expect(issue.message).toMatch(message);
  });
});

describe('decoding HTML entities', () => {
  it('decodes the entities Handlebars.Net’s legacy encoder produces', () => {
    expect(decodeHtmlEntities('&quot;a&quot; &amp; &lt;b&gt; caf&#233; &#x4E2D;&#25991;')).toBe('"a" & <b> café 中文');
  });

  it('leaves unknown entities and bare ampersands alone', () => {
    expect(decodeHtmlEntities('a & b &bogus; &#xZZ;')).toBe('a & b &bogus; &#xZZ;');
  });
});

describe('lenient JSON parsing of deliveries', () => {
  it('tolerates raw newlines and tabs FeatBit leaves inside plain string fields', () => {
    const body = `{"environment":{"id":"${envId}"},"data":{"kind":"segment","object":{"id":"s1","description":"line 1\nline\t2"}}}`;
    expect(identifyWebhookTarget(body)).toMatchObject({ segmentId: 's1' });
  });

  it('still rejects bodies that are broken in other ways', () => {
    expect(() => identifyWebhookTarget(`{"environment":{"id":"${envId}"},\n"data": {`)).toThrow(/not JSON/);
  });
});
