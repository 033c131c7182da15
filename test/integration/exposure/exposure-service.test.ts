import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_PATH } from '../../../policies/index.js';
import { runFeatgate } from '../ledger/run-cli.js';
import { jsonFlag } from '../../support/json-flag.js';
import { startExposureHarness, type ExposureHarness } from '../../e2e/staged-exposure/exposure-harness.js';
import { startLoopbackServer, type LoopbackServer } from '../../support/loopback-server.js';

const BASELINE = { provider: 'openai', model: 'gpt-4o-mini', region: 'eu', latencyTargetMs: 800 };
const SLOWER = { ...BASELINE, latencyTargetMs: 1200 };
const FLAGS = ['search-model-route', 'summary-model-route', 'notes-model-route'];

let h: ExposureHarness;
let prometheus: LoopbackServer;
let slack: LoopbackServer;
let latency = 900;
let policyDir: string;
const messages: string[] = [];

beforeAll(async () => {
  prometheus = await startLoopbackServer((app) => {
    app.get('/api/v1/query', (req, res) => {
      const query = String(req.query['query']);
      if (!query.includes('change="search-latency"'))
        return res.json({ status: 'success', data: { resultType: 'vector', result: [] } });
      res.json({
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, String(latency)] }] },
      });
    });
  });
  slack = await startLoopbackServer((app) => {
    app.post('/hook', (req, res) => {
      messages.push((req.body as { text: string }).text);
      res.status(200).send('ok');
    });
  });
  const policy = parseYaml(readFileSync(DEFAULT_POLICY_PATH, 'utf8'));
  policy.breakGlass.postReviewWithin = '2s';
  policyDir = mkdtempSync(join(tmpdir(), 'featgate-exposure-policy-'));
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
            latencyP95: {
              query: 'histogram_quantile(0.95, sum(rate(latency_bucket{change="{{changeKey}}"}[{{window}}])) by (le))',
            },
          },
        },
      },
      webhooks: { notifyUrl: `${slack.url}/hook` },
    },
  );
  for (const flagKey of FLAGS) {
    expect(
      (await h.call('admin', 'POST', '/v1/adoptions', { envId: h.envId, flagKey, reason: 'baseline' })).status,
    ).toBe(201);
  }
});

afterAll(async () => {
  await h?.close();
  await prometheus?.close();
  await slack?.close();
  if (policyDir) rmSync(policyDir, { recursive: true, force: true });
});

/** A medium-tier change (latency target raised) of one flag: one stage at 25%, the given guardrails and cleanup. */
async function releasedChange(
  key: string,
  flagKey: string,
  extra: { holdIf?: unknown[]; cleanup?: unknown; stages?: unknown[] },
): Promise<void> {
  const record = {
    key,
    title: `Looser latency target for ${flagKey}`,
    owner: 'ai-platform',
    service: 'assistant',
    environment: 'production',
    affectedWorkflow: 'Answers',
    requester: 'requester',
    flags: [{ key: flagKey, surface: 'modelRoute', baseline: BASELINE, candidate: SLOWER }],
    behaviourChange: 'Slower model allowed.',
    impact: { data: 'none', cost: 'none', latency: 'up to 1.2 s', safety: 'none', support: 'none', compliance: 'none' },
    release: {
      decisionOwner: 'ai-platform',
      stages: extra.stages ?? [
        { name: 'quarter', audience: 'all users', percentage: 25, minDuration: '1h' },
        { name: 'all', audience: 'all users', percentage: 100, minDuration: '1h' },
      ],
      holdIf: extra.holdIf ?? [],
    },
    cleanup: extra.cleanup ?? { kind: 'durable' },
  };
  const created = await h.call('requester', 'POST', '/v1/changes', record);
  expect(created.status).toBe(201);
  expect(created.body.tier).toBe('medium');
  await h.call('monitoring', 'POST', `/v1/changes/${key}/evidence`, {
    type: 'offlineEval',
    summary: 'ok',
    result: 'passed',
  });
  const approved = await h.call('aiPlatformOwner', 'POST', `/v1/changes/${key}/reviews`, {
    decision: 'approve',
    comment: 'ok',
  });
  expect(approved.body.status).toBe('approved');
  expect((await h.call('releaseOwner', 'POST', `/v1/changes/${key}/release/apply-stage`, {})).status).toBe(200);
}

describe('staged exposure in the running service', () => {
  it("pulls a guardrail metric with the operator's Prometheus template on a schedule and holds the ramp when it breaches", async () => {
    await releasedChange('search-latency', FLAGS[0]!, {
      holdIf: [
        {
          metric: 'latencyP95Ms',
          operator: 'above',
          threshold: 1500,
          window: '10m',
          prometheus: { template: 'latencyP95' },
        },
      ],
    });
    await expect
      .poll(
        async () =>
          (await h.call('releaseOwner', 'GET', '/v1/changes/search-latency/guardrails')).body.conditions[0].latest
            ?.value,
        { timeout: 5000, interval: 100 },
      )
      .toBe(900);
    expect((await h.call('releaseOwner', 'GET', '/v1/changes/search-latency')).body.status).toBe('releasing');
    latency = 2400;
    await expect
      .poll(async () => (await h.call('releaseOwner', 'GET', '/v1/changes/search-latency')).body.status, {
        timeout: 5000,
        interval: 100,
      })
      .toBe('held');
    const held = await h.call('auditor', 'GET', '/v1/audit?change=search-latency&type=release.held');
    expect(held.body.entries[0]).toMatchObject({
      actor: { id: 'featgate-guardrails' },
      data: { metric: 'latencyP95Ms', breach: { value: 2400, threshold: 1500, action: 'hold' } },
    });
    const signals = await h.call(
      'auditor',
      'GET',
      '/v1/audit?change=search-latency&type=guardrail.signal-recorded&limit=1',
    );
    expect(signals.body.entries[0]).toMatchObject({
      actor: { id: 'featgate-prometheus' },
      data: { source: 'prometheus', metric: 'latencyP95Ms', stageIndex: 0 },
    });
  });

  it('lists changes and temporary flags past their review date, notifies each once, and the CLI shows them', async () => {
    await releasedChange('summary-durable', FLAGS[1]!, { cleanup: { kind: 'durable', reviewDate: '2026-01-05' } });
    await releasedChange('notes-temporary', FLAGS[2]!, { cleanup: { kind: 'temporary', reviewDate: '2026-01-06' } });
    const due = await h.call('releaseOwner', 'GET', '/v1/review-due?asOf=2026-02-01T00:00:00Z');
    expect(due.status).toBe(200);
    expect(due.body.items.map((item: any) => [item.kind, item.key, item.owner])).toEqual([
      ['change', 'summary-durable', 'ai-platform'],
      ['temporary-flag', `notes-temporary/${FLAGS[2]}`, 'ai-platform'],
    ]);
    const before = await h.call('releaseOwner', 'GET', '/v1/review-due?asOf=2026-01-01T00:00:00Z');
    expect(before.body.items).toEqual([]);

    await h.service.exposure.scheduler.sweep();
    await h.service.exposure.scheduler.sweep();
    const sent = messages.filter((text) => text.startsWith('featgate: review of'));
    expect(sent).toHaveLength(2);
    expect(sent[0]).toContain('Owner: ai-platform');
    const notified = await h.call('auditor', 'GET', '/v1/audit?type=review-date.notified');
    expect(notified.body.entries.map((entry: any) => [entry.data.itemKey, entry.data.notice])).toEqual(
      expect.arrayContaining([
        ['summary-durable', 'due'],
        [`notes-temporary/${FLAGS[2]}`, 'due'],
      ]),
    );

    const cli = await runFeatgate(['review-due', '--url', h.service.url, '--token', h.token('auditor'), '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).items.map((item: any) => item.key)).toEqual(
      expect.arrayContaining(['summary-durable', `notes-temporary/${FLAGS[2]}`]),
    );
  });

  it('undoes a break-glass change at once when its post-review rejects it', async () => {
    const used = await h.call('incidentCommander', 'POST', '/v1/break-glass', {
      environment: h.envId,
      flagKey: FLAGS[1],
      incidentReference: 'INC-9',
      reason: 'slow answers',
      duration: '1h',
      serve: { value: { ...BASELINE, model: 'gpt-4o' } },
    });
    expect(used.status).toBe(201);
    expect((await h.liveFlag(FLAGS[1]!)).variations).toHaveLength(3);
    const rejected = await h.call('security', 'POST', `/v1/break-glass/${used.body.id}/reviews`, {
      decision: 'reject',
      comment: 'not an emergency',
    });
    expect(rejected.status).toBe(201);
    expect(rejected.body).toMatchObject({ status: 'ended', postReviewOutcome: 'rejected', ended: { restored: true } });
    const live = await h.liveFlag(FLAGS[1]!);
    expect(live.variations.map((variation: any) => variation.id).sort()).toEqual(
      ['route-current', expect.any(String)].sort(),
    );
    expect(live.variations).toHaveLength(2);
    expect(live.fallthrough.variations[0].id).not.toBe(used.body.servedVariationId);
    const rejectAgain = await h.call('releaseOwner', 'POST', `/v1/break-glass/${used.body.id}/reviews`, {
      decision: 'approve',
    });
    expect(rejectAgain.status).toBe(409);
  });

  it('lists a break-glass post-review once it is overdue, and notifies it once', async () => {
    const used = await h.call('incidentCommander', 'POST', '/v1/break-glass', {
      environment: h.envId,
      flagKey: FLAGS[2],
      incidentReference: 'INC-10',
      reason: 'wrong answers',
      duration: '1h',
      serve: { value: { ...BASELINE, model: 'gpt-4o' } },
    });
    expect(used.status).toBe(201);
    const id: string = used.body.id;
    const overdue = () => messages.filter((text) => text.includes(id) && text.includes('is overdue since'));
    await expect.poll(() => overdue().length, { timeout: 8000, interval: 100 }).toBe(1);
    expect(overdue()[0]).toContain('Owner: incidentCommander; roles: security, releaseOwner');

    const due = await h.call('releaseOwner', 'GET', '/v1/review-due');
    expect(due.body.items).toContainEqual(
      expect.objectContaining({ kind: 'break-glass-post-review', key: id, owner: 'incidentCommander', overdue: true }),
    );
    const cli = await runFeatgate([
      'break-glass',
      'list',
      '--url',
      h.service.url,
      '--token',
      h.token('auditor'),
      '--json',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).items).toContainEqual(
      expect.objectContaining({ id, status: 'active', postReviewOverdue: true }),
    );

    await h.service.exposure.scheduler.sweep();
    expect(overdue()).toHaveLength(1);
    const recorded = await h.call('auditor', 'GET', '/v1/audit?type=review-date.notified');
    expect(
      recorded.body.entries.filter((entry: any) => entry.data.itemKey === id && entry.data.notice === 'overdue'),
    ).toHaveLength(1);
  });
});
