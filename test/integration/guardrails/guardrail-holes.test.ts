import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_PATH } from '../../../policies/index.js';
import { contentHash } from '../../../src/canonical/index.js';
import { startLoopbackServer, type LoopbackServer } from '../../support/loopback-server.js';
import { jsonFlag } from '../../support/json-flag.js';
import { startExposureHarness, type ExposureHarness, type Person } from '../../e2e/staged-exposure/exposure-harness.js';

const BASELINE = { provider: 'openai', model: 'gpt-4o-mini', region: 'eu', latencyTargetMs: 800 };
const SLOWER = { provider: 'openai', model: 'gpt-4o-mini', region: 'eu', latencyTargetMs: 1200 };
const FLAGS = ['lee-model-route', 'template-model-route', 'evidence-model-route', 'rollback-model-route'];

let h: ExposureHarness;
let prometheus: LoopbackServer;
let policyDir: string;
const queries: string[] = [];

beforeAll(async () => {
  prometheus = await startLoopbackServer((app) => {
    app.get('/api/v1/query', (req, res) => {
      queries.push(String(req.query['query']));
      res.json({
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, '0.01'] }] },
      });
    });
  });
  const policy = parseYaml(readFileSync(DEFAULT_POLICY_PATH, 'utf8'));
  delete policy.tiers.medium.exposure.minStageDuration;
  policyDir = mkdtempSync(join(tmpdir(), 'featgate-guardrail-holes-'));
  writeFileSync(join(policyDir, 'policy.yaml'), stringifyYaml(policy));
  h = await startExposureHarness(
    (envId) => FLAGS.map((key) => jsonFlag(envId, key, [{ id: 'route-current', name: 'current', value: BASELINE }])),
    {
      policy: join(policyDir, 'policy.yaml'),
      exposure: {
        sweepIntervalSeconds: 5,
        prometheus: {
          url: prometheus.url,
          intervalSeconds: 0.2,
          templates: {
            escalations: {
              query: 'sum(rate(escalations_total{change="{{changeKey}}",route="{{route}}"}[{{window}}]))',
              params: { route: { pattern: '[a-z-]{1,40}' } },
            },
          },
        },
      },
    },
  );
  for (const flagKey of FLAGS)
    expect(
      (await h.call('admin', 'POST', '/v1/adoptions', { envId: h.envId, flagKey, reason: 'baseline' })).status,
    ).toBe(201);
});

afterAll(async () => {
  await h?.close();
  await prometheus?.close();
  if (policyDir) rmSync(policyDir, { recursive: true, force: true });
});

/** A medium change (latency target raised) requested by `requester`, approved, evidenced by CI, at stage 1. */
async function releasedChange(key: string, flagKey: string, requester: Person, holdIf: unknown[]): Promise<void> {
  const record = {
    key,
    title: `Looser latency target for ${flagKey}`,
    owner: 'ai-platform',
    service: 'assistant',
    environment: 'production',
    affectedWorkflow: 'Answers',
    requester,
    flags: [{ key: flagKey, surface: 'modelRoute', baseline: BASELINE, candidate: SLOWER }],
    behaviourChange: 'Slower model allowed.',
    impact: { data: 'none', cost: 'none', latency: 'up to 1.2 s', safety: 'none', support: 'none', compliance: 'none' },
    release: {
      decisionOwner: 'ai-platform',
      stages: [
        { name: 'quarter', audience: 'all users', percentage: 25, minDuration: '1s' },
        { name: 'all', audience: 'all users', percentage: 100, minDuration: '1h' },
      ],
      holdIf,
    },
    cleanup: { kind: 'durable' },
  };
  const created = await h.call(requester, 'POST', '/v1/changes', record);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await h.call('monitoring', 'POST', `/v1/changes/${key}/evidence`, {
    type: 'offlineEval',
    summary: 'ok',
    result: 'passed',
  });
  await h.call('monitoring', 'POST', `/v1/changes/${key}/evidence`, {
    type: 'configDiff',
    summary: 'ok',
    result: 'passed',
  });
  expect(
    (await h.call('aiPlatformOwner', 'POST', `/v1/changes/${key}/reviews`, { decision: 'approve', comment: 'ok' })).body
      .status,
  ).toBe('approved');
  expect((await h.call('releaseOwner', 'POST', `/v1/changes/${key}/release/apply-stage`, {})).status).toBe(200);
}

const comparison = {
  kind: 'comparison',
  metric: 'errorRate',
  worseIf: 'higher',
  byMoreThan: 0.02,
  minSamplePerArm: 30,
};

describe('guardrail signals and queries no requester can game (issue 12)', () => {
  it('refuses signals and telemetry for a change from one of its authors, with the reason, and records nothing', async () => {
    // Lee requested the change and holds releaseOwner, which may report signals: not for her own change.
    await releasedChange('lee-route-change', 'lee-model-route', 'lee', [
      { metric: 'escalationRate', operator: 'above', threshold: 0.05 },
      comparison,
    ]);
    const signals = await h.call('lee', 'POST', '/v1/changes/lee-route-change/signals', {
      signals: [{ metric: 'escalationRate', value: 0.01 }],
    });
    expect(signals.status).toBe(403);
    expect(signals.body.detail).toBe(
      'lee is an author of lee-route-change: signals for a change are not accepted from its authors (report them from CI or a service that did not write the change)',
    );
    const telemetry = await h.call('lee', 'POST', `/v1/envs/${h.envId}/telemetry`, {
      aggregates: [
        {
          flagKey: 'lee-model-route',
          valueHash: contentHash(SLOWER),
          evaluations: 500,
          metrics: { errorRate: { count: 500, sum: 0, sumSquares: 0 } },
        },
      ],
    });
    expect(telemetry.status).toBe(403);
    expect(telemetry.body.detail).toContain(
      'lee is an author of lee-route-change: telemetry for a change are not accepted from its authors',
    );
    const recorded = await h.call('auditor', 'GET', '/v1/audit?change=lee-route-change&type=guardrail.signal-recorded');
    expect(recorded.body.entries).toEqual([]);
    expect(
      (await h.call('auditor', 'GET', '/v1/audit?change=lee-route-change&type=guardrail.telemetry-recorded')).body
        .entries,
    ).toEqual([]);
    // The same numbers from the CI service identity count.
    const fromCi = await h.call('monitoring', 'POST', '/v1/changes/lee-route-change/signals', {
      signals: [{ metric: 'escalationRate', value: 0.01 }],
    });
    expect(fromCi.status).toBe(201);
  });

  it('refuses a release plan that carries PromQL or names a template or parameter the operator did not allow, and pulls only the operator template', async () => {
    const withQueryRecord = {
      key: 'promql-plan',
      title: 't',
      owner: 'ai-platform',
      service: 'assistant',
      environment: 'production',
      affectedWorkflow: 'Answers',
      requester: 'requester',
      flags: [{ key: 'template-model-route', surface: 'modelRoute', baseline: BASELINE, candidate: SLOWER }],
      behaviourChange: 'x',
      impact: { data: 'none', cost: 'none', latency: 'x', safety: 'none', support: 'none', compliance: 'none' },
      release: {
        decisionOwner: 'ai-platform',
        stages: [{ name: 'all', audience: 'all users', percentage: 25, minDuration: '1h' }],
        holdIf: [{ metric: 'm', operator: 'above', threshold: 1, query: 'sum(secret_series)' }],
      },
      cleanup: { kind: 'durable' },
    };
    const withQuery = await h.call('requester', 'POST', '/v1/changes', withQueryRecord);
    expect(withQuery.status).toBe(400);
    expect(withQuery.body.errors).toContainEqual({ path: 'release.holdIf.0.query', message: 'unknown key' });

    const refused = async (holdIf: unknown[]) => {
      const answer = await h.call('requester', 'POST', '/v1/changes', {
        ...withQueryRecord,
        key: 'template-refused',
        release: { ...withQueryRecord.release, holdIf },
      });
      expect(answer.status).toBe(400);
      return answer.body.errors;
    };
    expect(
      await refused([{ metric: 'm', operator: 'above', threshold: 1, prometheus: { template: 'anySeries' } }]),
    ).toEqual([
      {
        path: 'release.holdIf.0.prometheus',
        message: 'no Prometheus template named anySeries; the operator configured escalations',
      },
    ]);
    // A value trying to break out of the label matcher to read another series.
    expect(
      await refused([
        {
          metric: 'm',
          operator: 'above',
          threshold: 1,
          prometheus: { template: 'escalations', params: { route: 'x"} or secret_series{a="' } },
        },
      ]),
    ).toEqual([
      {
        path: 'release.holdIf.0.prometheus',
        message: `parameter route of template escalations does not allow ${JSON.stringify('x"} or secret_series{a="')}`,
      },
    ]);
    expect(
      await refused([
        {
          metric: 'm',
          operator: 'above',
          threshold: 1,
          prometheus: { template: 'escalations', params: { route: 'claims', job: 'x' } },
        },
      ]),
    ).toEqual([{ path: 'release.holdIf.0.prometheus', message: 'template escalations takes no parameter job' }]);

    await releasedChange('template-change', 'template-model-route', 'requester', [
      {
        metric: 'escalationRate',
        operator: 'above',
        threshold: 0.05,
        window: '10m',
        prometheus: { template: 'escalations', params: { route: 'claims' } },
      },
    ]);
    await expect
      .poll(
        async () =>
          (await h.call('releaseOwner', 'GET', '/v1/changes/template-change/guardrails')).body.conditions[0].latest
            ?.value,
        { timeout: 5000, interval: 100 },
      )
      .toBe(0.01);
    const status = (await h.call('releaseOwner', 'GET', '/v1/changes/template-change/guardrails')).body;
    expect(status.conditions.map((condition: any) => [condition.metric, condition.template, condition.state])).toEqual([
      ['escalationRate', 'escalations', 'healthy'],
    ]);
    const mine = queries.filter((query) => query.includes('template-change'));
    expect(new Set(mine)).toEqual(
      new Set(['sum(rate(escalations_total{change="template-change",route="claims"}[10m]))']),
    );
    expect(queries.some((query) => query.includes('secret_series'))).toBe(false);
  });

  it("never lets a claimed guardrailMetrics fill the expansion evidence: only featgate's own comparison does", async () => {
    await releasedChange('evidence-change', 'evidence-model-route', 'requester', [comparison]);
    const claimed = await h.call('monitoring', 'POST', '/v1/changes/evidence-change/evidence', {
      type: 'guardrailMetrics',
      summary: 'all green, trust me',
      result: 'passed',
    });
    expect(claimed.status).toBe(201);
    const explained = await h.call('releaseOwner', 'GET', '/v1/changes/evidence-change/policy');
    const verdict = explained.body.evidence.find((item: any) => item.type === 'guardrailMetrics');
    expect(verdict).toMatchObject({ counts: false });
    expect(verdict.reason).toContain("guardrail metrics come from featgate's own comparison");

    const healthy = { count: 2000, sum: 40, sumSquares: 40 };
    const sent = await h.call('monitoring', 'POST', `/v1/envs/${h.envId}/telemetry`, {
      aggregates: [
        {
          flagKey: 'evidence-model-route',
          valueHash: contentHash(SLOWER),
          evaluations: 2000,
          metrics: { errorRate: healthy },
        },
        {
          flagKey: 'evidence-model-route',
          valueHash: contentHash(BASELINE),
          evaluations: 2000,
          metrics: { errorRate: healthy },
        },
        {
          flagKey: 'evidence-model-route',
          valueHash: contentHash({ rogue: true }),
          evaluations: 5,
          metrics: { errorRate: { count: 5, sum: 5, sumSquares: 5 } },
        },
      ],
    });
    expect(sent.status).toBe(200);
    expect(sent.body.accepted).toBe(2);
    expect(sent.body.ignored).toEqual([
      {
        flagKey: 'evidence-model-route',
        reason: 'the served value is neither the candidate nor the approved baseline of the exposed change',
      },
    ]);
    expect(sent.body.changes[0]).toMatchObject({
      changeKey: 'evidence-change',
      outcome: 'healthy',
      comparisons: [{ metric: 'errorRate', comparison: { verdict: 'healthy' } }],
    });
    const after = await h.call('releaseOwner', 'GET', '/v1/changes/evidence-change/policy');
    const own = after.body.evidence.filter((item: any) => item.type === 'guardrailMetrics' && item.counts);
    expect(own).toHaveLength(1);
    expect(own[0].attachedBy).toBe('featgate-guardrails');
  });
});

describe('a comparative breach acts per plan', () => {
  it('rolls the release back by itself when the plan says rollback, with the numbers in the ledger', async () => {
    const key = 'rollback-change';
    await releasedChange(key, 'rollback-model-route', 'requester', [{ ...comparison, action: 'rollback' }]);
    const sent = await h.call('monitoring', 'POST', `/v1/envs/${h.envId}/telemetry`, {
      aggregates: [
        {
          flagKey: 'rollback-model-route',
          valueHash: contentHash(SLOWER),
          evaluations: 400,
          metrics: { errorRate: { count: 400, sum: 80, sumSquares: 80 } },
        },
        {
          flagKey: 'rollback-model-route',
          valueHash: contentHash(BASELINE),
          evaluations: 1200,
          metrics: { errorRate: { count: 1200, sum: 24, sumSquares: 24 } },
        },
      ],
    });
    expect(sent.status).toBe(200);
    expect(sent.body.changes[0]).toMatchObject({
      changeKey: key,
      outcome: 'rolled-back',
      comparisons: [
        {
          comparison: {
            verdict: 'breached',
            candidate: { count: 400, mean: 0.2 },
            baseline: { count: 1200, mean: 0.02 },
          },
        },
      ],
    });
    expect((await h.call('releaseOwner', 'GET', `/v1/changes/${key}`)).body.status).toBe('rolled-back');
    const [rolledBack] = (await h.call('auditor', 'GET', `/v1/audit?change=${key}&type=release.rolled-back`)).body
      .entries;
    expect(rolledBack.actor.id).toBe('featgate-guardrails');
    expect(JSON.stringify(rolledBack.data)).toContain('"verdict":"breached"');
    const live = await h.liveFlag('rollback-model-route');
    expect(live.fallthrough.variations).toEqual([expect.objectContaining({ rollout: [0, 1] })]);
  });
});
