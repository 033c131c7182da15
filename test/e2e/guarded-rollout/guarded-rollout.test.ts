import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSyncModeEnum } from '@featbit/node-server-sdk';
import { OpenFeature, type Client, type EvaluationContext } from '@openfeature/server-sdk';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_PATH } from '../../../policies/index.js';
import { FeatBitServerProvider, FeatgateServerProvider, HttpManifestSource } from '../../../provider/index.js';
import {
  createTelemetryHook,
  gateManifestVersion,
  TelemetryRecorder,
  withTelemetryTracking,
} from '@featgate/openfeature/telemetry';
import { jsonFlag } from '../../support/json-flag.js';
import { seededRandom } from '../../support/seeded-random.js';
import {
  PROVIDER_SWITCH,
  providerSwitchRecord,
  startExposureHarness,
  type ExposureHarness,
  type Person,
} from '../staged-exposure/exposure-harness.js';

const { baseline: BASELINE, candidate: CANDIDATE } = PROVIDER_SWITCH;
const WORSE_FLAG = 'claims-model-route';
const HEALTHY_FLAG = 'faq-model-route';
const MIN_SAMPLE = 150;

let h: ExposureHarness;
let policyDir: string;
let gate: FeatgateServerProvider;
let recorder: TelemetryRecorder;
let client: Client;

/** The default policy, except that a high change may start at any share and stages may last a second. */
function policyFile(): string {
  const policy = parseYaml(readFileSync(DEFAULT_POLICY_PATH, 'utf8'));
  policy.tiers.high.exposure.maxFirstStagePercentage = 100;
  delete policy.tiers.high.exposure.minStageDuration;
  policyDir = mkdtempSync(join(tmpdir(), 'featgate-guarded-policy-'));
  writeFileSync(join(policyDir, 'policy.yaml'), stringifyYaml(policy));
  return join(policyDir, 'policy.yaml');
}

beforeAll(async () => {
  h = await startExposureHarness(
    (envId) =>
      [WORSE_FLAG, HEALTHY_FLAG].map((key) =>
        jsonFlag(envId, key, [{ id: 'route-current', name: 'current', value: BASELINE }]),
      ),
    { policy: policyFile() },
  );
  for (const flagKey of [WORSE_FLAG, HEALTHY_FLAG]) {
    expect(
      (await h.call('admin', 'POST', '/v1/adoptions', { envId: h.envId, flagKey, reason: 'baseline' })).status,
    ).toBe(201);
  }
  // The application: the real FeatBit Node SDK behind the featgate gate, the telemetry hook on the client, and
  // track() reporting each call's outcome through the recorder to featgate as the CI-style service identity.
  const sdkOptions = {
    sdkKey: h.sandbox.envs[0]!.sdkSecret,
    dataSyncMode: DataSyncModeEnum.POLLING,
    pollingUri: h.sandbox.url,
    eventsUri: h.sandbox.url,
    pollingInterval: 100,
    disableEvents: true,
    logLevel: 'none' as const,
  };
  gate = new FeatgateServerProvider(new FeatBitServerProvider({ options: sdkOptions }), {
    source: new HttpManifestSource({ baseUrl: h.service.url, envId: h.envId }),
    publicKeys: [h.publicKey],
    envId: h.envId,
  });
  recorder = new TelemetryRecorder({
    url: h.service.url,
    envId: h.envId,
    token: h.token('monitoring'),
    flushIntervalMs: 0,
  });
  await OpenFeature.setProviderAndWait('guarded-rollout', withTelemetryTracking(gate, recorder));
  client = OpenFeature.getClient('guarded-rollout');
  client.addHooks(
    createTelemetryHook(recorder, {
      flags: new Set([WORSE_FLAG, HEALTHY_FLAG]),
      manifestVersion: gateManifestVersion(gate),
    }),
  );
});

afterAll(async () => {
  await recorder?.close();
  await OpenFeature.clearProviders();
  await h?.close();
  if (policyDir) rmSync(policyDir, { recursive: true, force: true });
});

/** A high-tier provider switch with a 30% first stage that advances by itself, then 100%, and one comparison. */
function changeRecord(key: string, flagKey: string, action: 'hold' | 'rollback'): unknown {
  return providerSwitchRecord(
    key,
    flagKey,
    [
      { name: 'first', audience: 'everyone', percentage: 30, minDuration: '1s', advance: 'auto' },
      { name: 'all', audience: 'everyone', percentage: 100, minDuration: '1h' },
    ],
    [
      {
        kind: 'comparison',
        metric: 'errorRate',
        worseIf: 'higher',
        byMoreThan: 0.02,
        minSamplePerArm: MIN_SAMPLE,
        alpha: 0.05,
        action,
      },
    ],
  );
}

/** Opens a change, attaches the approval-phase evidence from CI and collects approvals, then applies stage 1. */
async function releasedChange(record: any): Promise<void> {
  const created = await h.call('requester', 'POST', '/v1/changes', record);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  for (const requirement of created.body.decision.missing.evidence as { anyOf: string[] }[]) {
    expect(
      (
        await h.call('monitoring', 'POST', `/v1/changes/${record.key}/evidence`, {
          type: requirement.anyOf[0],
          summary: 'done',
          result: 'passed',
        })
      ).status,
    ).toBe(201);
  }
  let view = (await h.call('requester', 'GET', `/v1/changes/${record.key}`)).body;
  for (const reviewer of ['aiPlatformOwner', 'releaseOwner', 'security', 'featureOwner'] as Person[]) {
    if (view.status === 'approved') break;
    view = (await h.call(reviewer, 'POST', `/v1/changes/${record.key}/reviews`, { decision: 'approve', comment: 'ok' }))
      .body;
  }
  expect(view.status, JSON.stringify(view.decision)).toBe('approved');
  expect((await h.call('releaseOwner', 'POST', `/v1/changes/${record.key}/release/apply-stage`, {})).status).toBe(200);
}

const contexts: EvaluationContext[] = Array.from({ length: 3000 }, (_, index) => ({ targetingKey: `user-${index}` }));

/** Waits until the gate serves the candidate to some contexts (FeatBit's SDK and the manifest caught up). */
async function untilCandidateServed(flagKey: string): Promise<void> {
  await expect
    .poll(
      async () => {
        let candidates = 0;
        for (const context of contexts.slice(0, 300))
          if (
            ((await client.getObjectValue(flagKey, {}, context)) as { provider?: string }).provider ===
            CANDIDATE.provider
          )
            candidates += 1;
        return candidates;
      },
      { timeout: 10_000, interval: 100 },
    )
    .toBeGreaterThan(50);
}

/**
 * One round of simulated traffic: `count` contexts evaluate the flag through the gate and the hook, and report
 * whether the AI call failed through `track()`, with the seeded error rate of the variation they were served. Then
 * the recorder's batch goes to featgate.
 */
async function trafficRound(
  flagKey: string,
  from: number,
  count: number,
  random: () => number,
  rates: { candidate: number; baseline: number },
): Promise<void> {
  for (const context of contexts.slice(from % contexts.length, (from % contexts.length) + count)) {
    const route = await client.getObjectValue(flagKey, {}, context);
    const rate = (route as { provider?: string }).provider === CANDIDATE.provider ? rates.candidate : rates.baseline;
    client.track('errorRate', context, { flagKey, value: random() < rate ? 1 : 0 });
  }
  await recorder.flush();
}

async function guardrails(key: string) {
  const status = await h.call('releaseOwner', 'GET', `/v1/changes/${key}/guardrails`);
  expect(status.status).toBe(200);
  return status.body.comparisons[0];
}

async function ledger(key: string, type: string) {
  return (await h.call('auditor', 'GET', `/v1/audit?change=${key}&type=${type}&limit=1000`)).body.entries as any[];
}

describe('a guarded rollout decided by telemetry from the application', () => {
  it('holds a candidate whose error rate is worse once each arm has its minimum sample, and never before', async () => {
    const key = 'claims-route-worse';
    await releasedChange(changeRecord(key, WORSE_FLAG, 'hold'));
    await untilCandidateServed(WORSE_FLAG);
    const random = seededRandom(1612);
    let served = 0;
    let status = 'releasing';
    while (status === 'releasing' && served < 6000) {
      await trafficRound(WORSE_FLAG, served, 100, random, { candidate: 0.16, baseline: 0.04 });
      served += 100;
      const look = await guardrails(key);
      status = (await h.call('releaseOwner', 'GET', `/v1/changes/${key}`)).body.status;
      const enough = look.comparison.candidate.count >= MIN_SAMPLE && look.comparison.baseline.count >= MIN_SAMPLE;
      // Before both arms reach the minimum sample nothing is decided, whatever the numbers say, and the
      // auto-advance (its one second passed long ago) waits too.
      if (!enough) {
        expect(look.comparison.verdict).toBe('collecting');
        expect(status).toBe('releasing');
        expect((await h.call('releaseOwner', 'GET', `/v1/changes/${key}`)).body.release.stageIndex).toBe(0);
      }
    }
    expect(status).toBe('held');

    const [breach] = await ledger(key, 'guardrail.breached');
    expect(breach.actor.id).toBe('featgate-guardrails');
    const numbers = breach.data.breach.comparison;
    expect(numbers.verdict).toBe('breached');
    expect(numbers.candidate.count).toBeGreaterThanOrEqual(MIN_SAMPLE);
    expect(numbers.baseline.count).toBeGreaterThanOrEqual(MIN_SAMPLE);
    expect(numbers.lower).toBeGreaterThan(0.02);
    expect(numbers.statistic).toBeGreaterThanOrEqual(numbers.boundary);
    expect(breach.data.breach).toMatchObject({
      metric: 'errorRate',
      operator: 'above',
      threshold: 0.02,
      action: 'hold',
    });
    const [held] = await ledger(key, 'release.held');
    expect(held.actor.id).toBe('featgate-guardrails');
    expect(held.data.reason).toContain(`errorRate candidate`);
    // Every verdict on the way is in the ledger with its numbers: collecting below the minimum, then the breach.
    const verdicts = (await ledger(key, 'guardrail.compared')).map((entry) => entry.data.comparison);
    expect(verdicts[0].verdict).toBe('collecting');
    expect(verdicts.at(-1)).toEqual(numbers);
    expect((await h.call('releaseOwner', 'GET', `/v1/changes/${key}`)).body.release.stageIndex).toBe(0);
  });

  it('advances a healthy candidate by itself once the comparison shows it is not worse, with the numbers in the ledger', async () => {
    const key = 'faq-route-healthy';
    await releasedChange(changeRecord(key, HEALTHY_FLAG, 'rollback'));
    await untilCandidateServed(HEALTHY_FLAG);
    const random = seededRandom(4242);
    let served = 0;
    let stageIndex = 0;
    while (stageIndex === 0 && served < 20_000) {
      await trafficRound(HEALTHY_FLAG, served, 500, random, { candidate: 0.03, baseline: 0.03 });
      served += 500;
      await h.service.exposure.scheduler.sweep();
      const view = (await h.call('releaseOwner', 'GET', `/v1/changes/${key}`)).body;
      expect(view.status).toBe('releasing');
      const look = await guardrails(key);
      if (look.comparison.verdict === 'healthy') {
        await expect
          .poll(async () => (await h.call('releaseOwner', 'GET', `/v1/changes/${key}`)).body.release.stageIndex, {
            timeout: 10_000,
            interval: 100,
          })
          .toBe(1);
      }
      stageIndex = (await h.call('releaseOwner', 'GET', `/v1/changes/${key}`)).body.release.stageIndex;
    }
    expect(stageIndex).toBe(1);
    const [applied] = (await ledger(key, 'release.stage-applied')).filter((entry) => entry.data.stageIndex === 1);
    expect(applied.actor.id).toBe('featgate-auto-advance');
    // The look the advance rested on is recorded right before it, by the auto-advance, with every number.
    const looks = await ledger(key, 'guardrail.compared');
    const grounds = looks.filter((entry) => entry.seq < applied.seq).at(-1);
    expect(grounds.actor.id).toBe('featgate-auto-advance');
    expect(grounds.data.comparison.verdict).toBe('healthy');
    expect(grounds.data.comparison.candidate.count).toBeGreaterThanOrEqual(MIN_SAMPLE);
    expect(grounds.data.comparison.baseline.count).toBeGreaterThanOrEqual(MIN_SAMPLE);
    expect(grounds.data.comparison.upper).toBeLessThanOrEqual(0.02);
    // It never advanced on a look that was not healthy: before the first healthy verdict, the stage stayed.
    const firstHealthy = looks.find((entry) => entry.data.comparison.verdict === 'healthy');
    expect(firstHealthy.seq).toBeLessThan(applied.seq);
    expect(
      looks
        .filter((entry) => entry.seq < firstHealthy.seq)
        .every((entry) => ['collecting', 'undecided'].includes(entry.data.comparison.verdict)),
    ).toBe(true);
    // The tier's expansion evidence is featgate's own comparison, not a claim.
    const evidence = (await ledger(key, 'evidence.attached'))
      .map((entry) => entry.data.evidence)
      .filter((item) => item.type === 'guardrailMetrics');
    expect(evidence).toHaveLength(1);
    expect(evidence[0]).toMatchObject({
      attachedBy: 'featgate-guardrails',
      attachedByKind: 'service',
      result: 'passed',
    });
    expect(evidence[0].summary).toContain('errorRate healthy');
    expect(await ledger(key, 'guardrail.breached')).toEqual([]);
  });
});
