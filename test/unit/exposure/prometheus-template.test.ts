import { describe, expect, it } from 'vitest';
import { holdConditionSchema } from '../../../src/changes/model/index.js';
import { prometheusTemplatesSchema, renderTemplate, TemplateRefusal } from '../../../src/exposure/index.js';

const templates = prometheusTemplatesSchema.parse({
  escalations: {
    query: 'sum(rate(escalations_total{change="{{changeKey}}",route="{{route}}"}[{{window}}]))',
    params: { route: { pattern: '[a-z-]{1,40}' } },
  },
  latency: {
    query:
      'histogram_quantile(0.95, sum(rate(latency_bucket{change="{{changeKey}}",region="{{region}}"}[{{window}}])) by (le))',
    params: { region: { default: 'eu' } },
  },
});

describe('operator Prometheus templates', () => {
  it('fill the change key, the window and the allowed parameters into the operator query', () => {
    expect(
      renderTemplate(
        templates,
        { template: 'escalations', params: { route: 'claims' } },
        { changeKey: 'c1', window: '15m' },
      ),
    ).toBe('sum(rate(escalations_total{change="c1",route="claims"}[15m]))');
    expect(renderTemplate(templates, { template: 'latency', params: {} }, { changeKey: 'c1' })).toContain(
      'region="eu"}[5m]',
    );
  });

  it('refuse a template the operator did not configure, naming the ones there are', () => {
    expect(() => renderTemplate(templates, { template: 'anySeries', params: {} }, { changeKey: 'c1' })).toThrow(
      new TemplateRefusal('no Prometheus template named anySeries; the operator configured escalations, latency'),
    );
  });

  it('refuse a parameter the template does not declare, a missing one, and a value its pattern refuses', () => {
    expect(() =>
      renderTemplate(
        templates,
        { template: 'escalations', params: { route: 'claims', job: 'x' } },
        { changeKey: 'c1' },
      ),
    ).toThrow('takes no parameter job');
    expect(() => renderTemplate(templates, { template: 'escalations', params: {} }, { changeKey: 'c1' })).toThrow(
      'needs the parameter route',
    );
    // A requester trying to break out of the label matcher to read another series.
    expect(() =>
      renderTemplate(
        templates,
        { template: 'escalations', params: { route: 'x"} or secrets_total{a="' } },
        { changeKey: 'c1' },
      ),
    ).toThrow('does not allow');
    expect(() =>
      renderTemplate(templates, { template: 'latency', params: { region: 'eu"}' } }, { changeKey: 'c1' }),
    ).toThrow('does not allow');
  });

  it('refuse, in the operator config, a placeholder that is not a declared parameter', () => {
    const result = prometheusTemplatesSchema.safeParse({ bad: { query: 'up{job="{{job}}"}' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('{{job}} is neither changeKey, window nor a declared parameter');
  });

  it('leave a release plan no way to carry PromQL: a holdIf query is an unknown field', () => {
    const result = holdConditionSchema.safeParse({
      metric: 'x',
      operator: 'above',
      threshold: 1,
      query: 'sum(secrets_total)',
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['query'] });
  });
});
