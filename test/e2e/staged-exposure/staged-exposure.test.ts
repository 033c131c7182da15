import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSyncModeEnum, FbClientBuilder } from '@featbit/node-server-sdk';
import { InMemoryProvider, type EvaluationContext } from '@openfeature/server-sdk';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_PATH } from '../../../policies/index.js';
import {
  FeatBitServerProvider,
  FeatgateServerProvider,
  HttpManifestSource,
  StaticManifestSource,
} from '../../../provider/index.js';
import { runFeatgate } from '../../integration/ledger/run-cli.js';
import { jsonFlag } from '../../support/json-flag.js';
import {
  manifestVersion,
  PROVIDER_SWITCH,
  providerSwitchRecord as changeRecord,
  startExposureHarness,
  type ExposureHarness,
  type Person,
} from './exposure-harness.js';

const { baseline: BASELINE, candidate: CANDIDATE } = PROVIDER_SWITCH;
const RAMP_FLAG = 'assistant-model-route';
const GUARDED_FLAG = 'triage-model-route';
const FALLBACK_FLAG = 'assistant-fallback';
const ROLLBACK_FLAG = 'digest-model-route';
/** A plan's rollback value that differs from the baseline and that FeatBit holds in no variation yet. */
const SAFE_ROUTE = { provider: 'openai', model: 'gpt-4o-mini', region: 'eu', latencyTargetMs: 1500 };
const logger = { error() {}, warn() {}, info() {}, debug() {} };

/** 2,000 contexts; every tenth is internal staff (the `internal` rule matches their e-mail domain). */
const contexts: EvaluationContext[] = Array.from({ length: 2000 }, (_, index) => ({
  targetingKey: `user-${index}`,
  email: index % 10 === 0 ? `staff${index}@example.com` : `person${index}@customer.test`,
}));

let h: ExposureHarness;
let policyDir: string;

/**
 * The installation's policy: the default pack, except that a high change may start at 100% of its first stage's
 * audience (here: internal staff only).
 */
function policyFile(): string {
  const policy = parseYaml(readFileSync(DEFAULT_POLICY_PATH, 'utf8'));
  policy.tiers.high.exposure.maxFirstStagePercentage = 100;
  // Stages here last seconds so the test can ramp; the tier's minimum stage duration is the policy's to relax.
  delete policy.tiers.high.exposure.minStageDuration;
  policyDir = mkdtempSync(join(tmpdir(), 'featgate-exposure-policy-'));
  const file = join(policyDir, 'policy.yaml');
  writeFileSync(file, stringifyYaml(policy));
  return file;
}

beforeAll(async () => {
  const internalRule = {
    id: 'rule-internal',
    name: 'internal',
    dispatchKey: null,
    includedInExpt: true,
    conditions: [{ property: 'email', op: 'EndsWith', value: '@example.com' }],
    variations: [{ id: 'route-current', rollout: [0, 1], exptRollout: 1 }],
  };
  h = await startExposureHarness(
    (envId) => [
      jsonFlag(envId, RAMP_FLAG, [{ id: 'route-current', name: 'current', value: BASELINE }], [internalRule]),
      jsonFlag(envId, GUARDED_FLAG, [{ id: 'route-current', name: 'current', value: BASELINE }]),
      jsonFlag(envId, ROLLBACK_FLAG, [{ id: 'route-current', name: 'current', value: BASELINE }]),
      jsonFlag(envId, FALLBACK_FLAG, [
        {
          id: 'fallback-current',
          name: 'current',
          value: { mode: 'human-handoff', message: 'A person will help you.' },
        },
        {
          id: 'fallback-static',
          name: 'static',
          value: { mode: 'static-message', message: 'The assistant is paused.' },
        },
      ]),
    ],
    { policy: policyFile() },
  );
  for (const flagKey of [RAMP_FLAG, GUARDED_FLAG, ROLLBACK_FLAG, FALLBACK_FLAG]) {
    const adopted = await h.call('admin', 'POST', '/v1/adoptions', {
      envId: h.envId,
      flagKey,
      reason: 'baseline for the staged-exposure test',
    });
    expect(adopted.status).toBe(201);
  }
});

afterAll(async () => {
  await h?.close();
  if (policyDir) rmSync(policyDir, { recursive: true, force: true });
});

/** Opens a change, attaches the approval-phase evidence and collects approvals until it is approved. */
async function approvedChange(record: any, requester: Person = 'requester'): Promise<any> {
  const created = await h.call(requester, 'POST', '/v1/changes', record);
  expect(created.status).toBe(201);
  expect(created.body.tier).toBe('high');
  for (const requirement of created.body.decision.missing.evidence as { anyOf: string[] }[]) {
    const attached = await h.call('monitoring', 'POST', `/v1/changes/${record.key}/evidence`, {
      type: requirement.anyOf[0],
      summary: 'done',
      result: 'passed',
    });
    expect(attached.status).toBe(201);
  }
  let view = (await h.call('requester', 'GET', `/v1/changes/${record.key}`)).body;
  const reviewers: Person[] = ['aiPlatformOwner', 'releaseOwner', 'security', 'featureOwner'];
  for (const reviewer of reviewers) {
    if (view.status === 'approved') break;
    const answer = await h.call(reviewer, 'POST', `/v1/changes/${record.key}/reviews`, {
      decision: 'approve',
      comment: 'ok',
    });
    expect(answer.status).toBe(201);
    view = answer.body;
  }
  expect(view.status, JSON.stringify(view.decision)).toBe('approved');
  return view;
}

async function applyStage(key: string, body: unknown = {}, person: Person = 'releaseOwner') {
  return h.call(person, 'POST', `/v1/changes/${key}/release/apply-stage`, body);
}

/** Seq of the newest approved state of a flag. */
async function approvedVersion(flagKey: string): Promise<number> {
  const audit = await h.call(
    'auditor',
    'GET',
    `/v1/audit?flag=${h.envId}/${flagKey}&type=approved-state.set&limit=1000`,
  );
  expect(audit.status).toBe(200);
  return Math.max(...(audit.body.entries as { seq: number }[]).map((entry) => entry.seq));
}

/** The signed manifest once it carries the flag's newest approved state. */
async function currentManifest(flagKey: string): Promise<string> {
  const wanted = await approvedVersion(flagKey);
  let jws = '';
  await expect
    .poll(
      async () => {
        jws = await fetch(`${h.service.url}/v1/envs/${h.envId}/manifest`).then((response) => response.text());
        return manifestVersion(jws) >= wanted;
      },
      { timeout: 5000, interval: 50 },
    )
    .toBe(true);
  return jws;
}

/**
 * Checks, over every context, that the server gate fed the service's manifest grants the candidate to exactly the
 * contexts to which FeatBit serves it: the real FeatBit Node SDK evaluates the data FeatBit now sends its SDKs,
 * and the gate wraps an inner provider that always answers the candidate, so whatever the gate lets through is
 * what the grants allow.
 */
async function expectGrantsFollowFeatBit(flagKey: string): Promise<{ internal: number; others: number }> {
  const jws = await currentManifest(flagKey);
  const payload = h.sandbox.control.store.sdkPayload(h.envId, 0);
  const featbitSdk = new FbClientBuilder()
    .offline(true)
    .logLevel('none')
    .useJsonBootstrapProvider(JSON.stringify({ messageType: 'data-sync', data: payload }))
    .build();
  await featbitSdk.waitForInitialization();
  const inner = new InMemoryProvider({
    [flagKey]: { variants: { candidate: CANDIDATE }, defaultVariant: 'candidate', disabled: false },
  });
  const gate = new FeatgateServerProvider(inner, {
    source: new StaticManifestSource(jws),
    publicKeys: [h.publicKey],
    envId: h.envId,
  });
  await gate.initialize();
  const counts = { internal: 0, others: 0 };
  const mismatches: string[] = [];
  for (const context of contexts) {
    const user = {
      key: context.targetingKey!,
      name: '',
      customizedProperties: [{ name: 'email', value: String(context.email) }],
    };
    const featbit = await featbitSdk.jsonVariationDetail(flagKey, user, null);
    expect(featbit.value, featbit.reason).not.toBeNull();
    const featbitServesCandidate = JSON.stringify(featbit.value) === JSON.stringify(CANDIDATE);
    const gated = await gate.resolveObjectEvaluation(flagKey, {}, context, logger);
    const gateServesCandidate = JSON.stringify(gated.value) === JSON.stringify(CANDIDATE);
    if (gateServesCandidate !== featbitServesCandidate)
      mismatches.push(`${context.targetingKey}: FeatBit ${featbitServesCandidate}, gate ${gateServesCandidate}`);
    if (featbitServesCandidate) counts[String(context.email).endsWith('@example.com') ? 'internal' : 'others'] += 1;
  }
  await gate.onClose();
  await featbitSdk.close();
  expect(mismatches).toEqual([]);
  return counts;
}

/** How many writes featgate's FeatBit identity has made to a flag, counted in FeatBit's audit log. */
function featgateWrites(flagKey: string): number {
  return h.sandbox.control.store
    .auditLogs(h.envId)
    .filter((entry) => entry.keyword.startsWith(`${flagKey},`) && entry.creatorName === 'featgate').length;
}

function candidateIdOf(flag: any): string {
  const variation = flag.variations.find((candidate: any) => JSON.parse(candidate.value).provider === 'mistral');
  expect(variation).toBeDefined();
  return variation.id;
}

describe('staged exposure through featgate with the FeatBit sandbox', () => {
  it('ramps internal → 5% → 25% → 100% (the last step automatic); FeatBit and the gate grants follow each stage exactly', async () => {
    const key = 'assistant-route-ramp';
    await approvedChange(
      changeRecord(key, RAMP_FLAG, [
        // long enough that the checks below run inside it however loaded the machine is
        { name: 'internal', audience: 'internal', percentage: 100, minDuration: '5s' },
        { name: 'five', audience: 'all users', percentage: 5, minDuration: '1s' },
        { name: 'quarter', audience: 'all users', percentage: 25, minDuration: '1s', advance: 'auto' },
        { name: 'everyone', audience: 'all users', percentage: 100, minDuration: '1s' },
      ]),
      'lee',
    );

    const byRequester = await applyStage(key, {}, 'lee');
    expect(byRequester.status).toBe(403);
    expect(byRequester.body.detail).toContain('lee requested assistant-route-ramp and may not ramp it');
    const withoutRampRole = await applyStage(key, {}, 'aiPlatformOwner');
    expect(withoutRampRole.status).toBe(403);

    const internal = await applyStage(key);
    expect(internal.status).toBe(200);
    let live = await h.liveFlag(RAMP_FLAG);
    const candidateId = candidateIdOf(live);
    expect(live.rules[0].variations).toEqual([expect.objectContaining({ id: candidateId, rollout: [0, 1] })]);
    expect(live.fallthrough.variations).toEqual([expect.objectContaining({ id: 'route-current', rollout: [0, 1] })]);
    expect(await expectGrantsFollowFeatBit(RAMP_FLAG)).toEqual({ internal: 200, others: 0 });

    const outOfPlan = await applyStage(key, { stage: 7 });
    expect(outOfPlan.status).toBe(409);
    expect(outOfPlan.body.detail).toContain('stage 7 is not in the release plan');
    const skipping = await applyStage(key, { stage: 3 });
    expect(skipping.status).toBe(409);
    expect(skipping.body.detail).toContain('cannot be applied before stage 2');
    const early = await applyStage(key);
    expect(early.status).toBe(409);
    expect(early.body.detail).toContain('must run at least 5s before stage 2');

    await expect.poll(async () => (await applyStage(key)).status, { timeout: 10_000, interval: 250 }).toBe(403);
    const withoutExpansionEvidence = await applyStage(key);
    expect(withoutExpansionEvidence.body.detail).toContain('exposure beyond the first stage');
    expect(withoutExpansionEvidence.body.missing.evidence[0].anyOf).toEqual(['shadowTraffic', 'guardrailMetrics']);
    expect(
      (
        await h.call('monitoring', 'POST', `/v1/changes/${key}/evidence`, {
          type: 'shadowTraffic',
          summary: 'internal week clean',
          result: 'passed',
        })
      ).status,
    ).toBe(201);

    const five = await applyStage(key);
    expect(five.status).toBe(200);
    expect(five.body.release.stageIndex).toBe(1);
    live = await h.liveFlag(RAMP_FLAG);
    expect(live.fallthrough.variations).toEqual([
      expect.objectContaining({ id: candidateId, rollout: [0, 0.05] }),
      expect.objectContaining({ id: 'route-current', rollout: [0.05, 1] }),
    ]);
    const atFive = await expectGrantsFollowFeatBit(RAMP_FLAG);
    expect(atFive.internal).toBe(200);
    expect(atFive.others).toBeGreaterThan(30);
    expect(atFive.others).toBeLessThan(160);

    await expect.poll(async () => (await applyStage(key)).status, { timeout: 5000, interval: 250 }).toBe(200);
    live = await h.liveFlag(RAMP_FLAG);
    expect(live.fallthrough.variations).toEqual([
      expect.objectContaining({ id: candidateId, rollout: [0, 0.25] }),
      expect.objectContaining({ id: 'route-current', rollout: [0.25, 1] }),
    ]);
    const atQuarter = await expectGrantsFollowFeatBit(RAMP_FLAG);
    expect(atQuarter.others).toBeGreaterThan(atFive.others);

    await expect
      .poll(async () => (await h.call('releaseOwner', 'GET', `/v1/changes/${key}`)).body.status, {
        timeout: 8000,
        interval: 200,
      })
      .toBe('completed');
    live = await h.liveFlag(RAMP_FLAG);
    expect(live.fallthrough.variations).toEqual([expect.objectContaining({ id: candidateId, rollout: [0, 1] })]);
    expect(await expectGrantsFollowFeatBit(RAMP_FLAG)).toEqual({ internal: 200, others: 1800 });

    const stages = await h.call('auditor', 'GET', `/v1/audit?change=${key}&type=release.stage-applied`);
    expect(stages.body.entries.map((entry: any) => [entry.data.stageIndex, entry.actor.id])).toEqual([
      [0, 'releaseOwner'],
      [1, 'releaseOwner'],
      [2, 'releaseOwner'],
      [3, 'featgate-auto-advance'],
    ]);
  });

  it('holds the ramp on a signal breach at 25%, refuses ramps during the hold, and rolls FeatBit back to the baseline on a rollback breach', async () => {
    const key = 'triage-route-guarded';
    await approvedChange(
      changeRecord(
        key,
        GUARDED_FLAG,
        [
          { name: 'five', audience: 'all users', percentage: 5, minDuration: '1s' },
          { name: 'quarter', audience: 'all users', percentage: 25, minDuration: '1s' },
          { name: 'everyone', audience: 'all users', percentage: 100, minDuration: '1s' },
        ],
        [
          { metric: 'escalationRate', operator: 'above', threshold: 0.05, window: '15m' },
          { metric: 'groundingScore', operator: 'below', threshold: 0.7, action: 'rollback' },
          { metric: 'latencyP95Ms', operator: 'above', threshold: 2000 },
        ],
      ),
    );
    expect(
      (
        await h.call('monitoring', 'POST', `/v1/changes/${key}/evidence`, {
          type: 'shadowTraffic',
          summary: 'shadow run',
          result: 'passed',
        })
      ).status,
    ).toBe(201);
    const notExposed = await h.call('monitoring', 'POST', `/v1/changes/${key}/signals`, {
      signals: [{ metric: 'escalationRate', value: 0.01 }],
    });
    expect(notExposed.status).toBe(409);
    expect((await applyStage(key)).status).toBe(200);
    await expect.poll(async () => (await applyStage(key)).status, { timeout: 5000, interval: 250 }).toBe(200);
    const candidateId = candidateIdOf(await h.liveFlag(GUARDED_FLAG));

    const sdkOptions = {
      sdkKey: h.sandbox.envs[0]!.sdkSecret,
      dataSyncMode: DataSyncModeEnum.POLLING,
      pollingUri: h.sandbox.url,
      eventsUri: h.sandbox.url,
      pollingInterval: 100,
      disableEvents: true,
      logLevel: 'none' as const,
    };
    const gate = new FeatgateServerProvider(new FeatBitServerProvider({ options: sdkOptions }), {
      source: new HttpManifestSource({ baseUrl: h.service.url, envId: h.envId }),
      publicKeys: [h.publicKey],
      envId: h.envId,
    });
    await gate.initialize();
    try {
      const serving = async () => {
        let candidates = 0;
        for (const context of contexts) {
          const details = await gate.resolveObjectEvaluation(GUARDED_FLAG, {}, context, logger);
          if (JSON.stringify(details.value) === JSON.stringify(CANDIDATE)) candidates += 1;
        }
        return candidates;
      };
      await expect.poll(serving, { timeout: 5000, interval: 100 }).toBeGreaterThan(300);

      const healthy = await h.call('monitoring', 'POST', `/v1/changes/${key}/signals`, {
        signals: [
          { metric: 'escalationRate', value: 0.02 },
          { metric: 'groundingScore', value: 0.91 },
        ],
      });
      expect(healthy.status).toBe(201);
      expect(healthy.body).toMatchObject({
        recorded: 2,
        outcome: 'healthy',
        breaches: [],
        change: { status: 'releasing' },
      });

      const breach = await h.call('monitoring', 'POST', `/v1/changes/${key}/signals`, {
        signals: [{ metric: 'escalationRate', value: 0.09 }],
      });
      expect(breach.status).toBe(201);
      expect(breach.body).toMatchObject({
        outcome: 'held',
        breaches: [{ metric: 'escalationRate', value: 0.09, operator: 'above', threshold: 0.05, action: 'hold' }],
      });
      expect(breach.body.change.status).toBe('held');
      expect(breach.body.change.release.statusReason).toContain('escalationRate 0.09 above 0.05');

      const duringHold = await applyStage(key);
      expect(duringHold.status).toBe(409);
      expect(duringHold.body.detail).toContain('is held (guardrail breached: escalationRate 0.09 above 0.05)');
      expect(
        (await h.call('releaseOwner', 'POST', `/v1/changes/${key}/release/resume`, { comment: 'looking into it' })).body
          .status,
      ).toBe('releasing');
      await expect
        .poll(async () => (await applyStage(key)).body.detail, { timeout: 5000, interval: 250 })
        .toContain('a guardrail holds the release');
      const stillBreached = await applyStage(key);
      expect(stillBreached.status).toBe(409);
      expect(stillBreached.body.detail).toContain('escalationRate 0.09 above 0.05');
      const status = await h.call('releaseOwner', 'GET', `/v1/changes/${key}/guardrails`);
      expect(status.body.conditions.map((condition: any) => [condition.metric, condition.state])).toEqual([
        ['escalationRate', 'breached'],
        ['groundingScore', 'healthy'],
        ['latencyP95Ms', 'no-data'],
      ]);
      expect((await h.liveFlag(GUARDED_FLAG)).fallthrough.variations[0]).toMatchObject({
        id: candidateId,
        rollout: [0, 0.25],
      });

      const writesBeforeRollback = featgateWrites(GUARDED_FLAG);
      const rollback = await h.call('monitoring', 'POST', `/v1/changes/${key}/signals`, {
        signals: [{ metric: 'groundingScore', value: 0.41 }],
      });
      expect(rollback.status).toBe(201);
      expect(featgateWrites(GUARDED_FLAG) - writesBeforeRollback).toBe(1);
      expect(rollback.body).toMatchObject({
        outcome: 'rolled-back',
        breaches: [{ metric: 'groundingScore', value: 0.41, action: 'rollback' }],
        change: { status: 'rolled-back' },
      });
      expect((await h.liveFlag(GUARDED_FLAG)).fallthrough.variations).toEqual([
        expect.objectContaining({ id: 'route-current', rollout: [0, 1] }),
      ]);

      const rolledBackVersion = manifestVersion(await currentManifest(GUARDED_FLAG));
      await expect
        .poll(() => gate.stats().manifestVersion ?? 0, { timeout: 5000, interval: 20 })
        .toBeGreaterThanOrEqual(rolledBackVersion);
      expect(await serving()).toBe(0);

      const breaches = await h.call('auditor', 'GET', `/v1/audit?change=${key}&type=guardrail.breached`);
      expect(breaches.body.entries.map((entry: any) => entry.data.breach)).toEqual([
        { metric: 'escalationRate', value: 0.09, operator: 'above', threshold: 0.05, action: 'hold' },
        { metric: 'groundingScore', value: 0.41, operator: 'below', threshold: 0.7, action: 'rollback' },
      ]);
      const rolledBack = await h.call('auditor', 'GET', `/v1/audit?change=${key}&type=release.rolled-back`);
      expect(rolledBack.body.entries[0]).toMatchObject({
        actor: { id: 'featgate-guardrails', kind: 'service' },
        data: {
          breach: { metric: 'groundingScore', value: 0.41 },
          served: [{ flagKey: GUARDED_FLAG, variationId: 'route-current' }],
        },
      });
    } finally {
      await gate.onClose();
    }
  });

  it("rolls back from the CLI to the plan's rollback value in one FeatBit write, and the gate serves it to everyone", async () => {
    const key = 'digest-route-rollback';
    const record: any = changeRecord(key, ROLLBACK_FLAG, [
      { name: 'five', audience: 'all users', percentage: 5, minDuration: '1h' },
      { name: 'everyone', audience: 'all users', percentage: 100, minDuration: '1h' },
    ]);
    record.flags[0].rollbackValue = SAFE_ROUTE;
    await approvedChange(record);
    const cli = (args: string[]) =>
      runFeatgate([...args, '--url', h.service.url, '--token', h.token('releaseOwner'), '--json']);

    const applied = await cli(['release', 'apply-stage', key]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(JSON.parse(applied.stdout).release.stageIndex).toBe(0);
    const staged = await h.liveFlag(ROLLBACK_FLAG);
    const safe = staged.variations.find(
      (variation: any) => JSON.stringify(JSON.parse(variation.value)) === JSON.stringify(SAFE_ROUTE),
    );
    expect(safe).toBeDefined();
    expect(staged.fallthrough.variations.map((variation: any) => variation.id)).not.toContain(safe.id);

    const writesBefore = featgateWrites(ROLLBACK_FLAG);
    const rolled = await cli(['release', 'rollback', key, '--reason', 'answers got worse']);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(JSON.parse(rolled.stdout).status).toBe('rolled-back');
    expect(featgateWrites(ROLLBACK_FLAG) - writesBefore).toBe(1);
    expect((await h.liveFlag(ROLLBACK_FLAG)).fallthrough.variations).toEqual([
      expect.objectContaining({ id: safe.id, rollout: [0, 1] }),
    ]);

    const jws = await currentManifest(ROLLBACK_FLAG);
    const inner = new InMemoryProvider({
      [ROLLBACK_FLAG]: { variants: { candidate: CANDIDATE }, defaultVariant: 'candidate', disabled: false },
    });
    const gate = new FeatgateServerProvider(inner, {
      source: new StaticManifestSource(jws),
      publicKeys: [h.publicKey],
      envId: h.envId,
    });
    await gate.initialize();
    const served = new Set<string>();
    for (const context of contexts.slice(0, 200))
      served.add(JSON.stringify((await gate.resolveObjectEvaluation(ROLLBACK_FLAG, {}, context, logger)).value));
    await gate.onClose();
    expect([...served]).toEqual([JSON.stringify(SAFE_ROUTE)]);
    const entry = await h.call('auditor', 'GET', `/v1/audit?change=${key}&type=release.rolled-back`);
    expect(entry.body.entries[0]).toMatchObject({
      actor: { id: 'releaseOwner' },
      data: { reason: 'answers got worse', served: [{ flagKey: ROLLBACK_FLAG, variationId: safe.id }] },
    });
  }, 60_000);

  it('restores the approved state when a break-glass change expires, and when its post-review approves it', async () => {
    const refusedRole = await h.call('releaseOwner', 'POST', '/v1/break-glass', {
      environment: 'production',
      flagKey: FALLBACK_FLAG,
      incidentReference: 'INC-1',
      reason: 'outage',
      duration: '1h',
      serve: { variationId: 'fallback-static' },
    });
    expect(refusedRole.status).toBe(403);
    const admin = await h.call('admin', 'POST', '/v1/break-glass', {
      environment: 'production',
      flagKey: FALLBACK_FLAG,
      incidentReference: 'INC-1',
      reason: 'outage',
      duration: '1h',
      serve: { variationId: 'fallback-static' },
    });
    expect(admin.status).toBe(403);
    expect(admin.body.detail).toContain('break-glass needs one of the roles incidentCommander');
    const tooLong = await h.call('incidentCommander', 'POST', '/v1/break-glass', {
      environment: 'production',
      flagKey: FALLBACK_FLAG,
      reason: 'outage',
      duration: '5h',
      serve: { variationId: 'fallback-static' },
    });
    expect(tooLong.status).toBe(403);
    expect(tooLong.body.detail).toContain('needs an incident reference');
    expect(tooLong.body.detail).toContain('lasts at most 4h');

    const expiring = await h.call('incidentCommander', 'POST', '/v1/break-glass', {
      environment: 'production',
      flagKey: FALLBACK_FLAG,
      incidentReference: 'INC-4711',
      reason: 'answers leak internal notes',
      duration: '2s',
      serve: { variationId: 'fallback-static' },
    });
    expect(expiring.status).toBe(201);
    expect(expiring.body).toMatchObject({
      status: 'active',
      usedBy: 'incidentCommander',
      incidentReference: 'INC-4711',
      postReviewOutcome: null,
    });
    expect((await h.liveFlag(FALLBACK_FLAG)).fallthrough.variations).toEqual([
      expect.objectContaining({ id: 'fallback-static', rollout: [0, 1] }),
    ]);
    const selfReview = await h.call('incidentCommander', 'POST', `/v1/break-glass/${expiring.body.id}/reviews`, {
      decision: 'approve',
    });
    expect(selfReview.status).toBe(403);

    await expect
      .poll(async () => (await h.call('auditor', 'GET', `/v1/break-glass/${expiring.body.id}`)).body.status, {
        timeout: 8000,
        interval: 200,
      })
      .toBe('ended');
    expect((await h.liveFlag(FALLBACK_FLAG)).fallthrough.variations).toEqual([
      expect.objectContaining({ id: 'fallback-current', rollout: [0, 1] }),
    ]);
    const ended = await h.call('auditor', 'GET', `/v1/break-glass/${expiring.body.id}`);
    expect(ended.body.ended).toMatchObject({ restored: true, reason: 'expired' });

    const kept = await h.call('incidentCommander', 'POST', '/v1/break-glass', {
      environment: 'production',
      flagKey: FALLBACK_FLAG,
      incidentReference: 'INC-4712',
      reason: 'provider outage',
      duration: '3s',
      serve: { value: { mode: 'static-message', message: 'We are on it.' } },
    });
    expect(kept.status).toBe(201);
    await h.service.exposure.scheduler.sweep();
    const security = await h.call('security', 'POST', `/v1/break-glass/${kept.body.id}/reviews`, {
      decision: 'approve',
      comment: 'right call',
    });
    expect(security.body.postReviewOutcome).toBeNull();
    const release = await h.call('releaseOwner', 'POST', `/v1/break-glass/${kept.body.id}/reviews`, {
      decision: 'approve',
      comment: 'keep it',
    });
    expect(release.status).toBe(201);
    expect(release.body).toMatchObject({ status: 'ended', postReviewOutcome: 'approved', ended: { restored: true } });
    // An approved post-review says the emergency was justified; it approves no value: the pre-incident state is back.
    const live = await h.liveFlag(FALLBACK_FLAG);
    expect(live.fallthrough.variations).toEqual([expect.objectContaining({ id: 'fallback-current', rollout: [0, 1] })]);
    expect(live.variations.map((variation: any) => JSON.parse(variation.value))).not.toContainEqual({
      mode: 'static-message',
      message: 'We are on it.',
    });
  });

  it('keeps everything in the ledger, and featgate audit verify passes', async () => {
    const types = [
      'guardrail.signal-recorded',
      'guardrail.breached',
      'release.held',
      'release.rolled-back',
      'break-glass.used',
      'break-glass.expired',
      'break-glass.reviewed',
    ];
    for (const type of types) {
      const entries = await h.call('auditor', 'GET', `/v1/audit?type=${type}`);
      expect(entries.body.entries.length, type).toBeGreaterThan(0);
    }
    const verify = await h.call('auditor', 'GET', '/v1/audit/verify');
    expect(verify.body.ok).toBe(true);
    const cli = await runFeatgate(['audit', 'verify', '--data-dir', h.dataDir]);
    expect(cli.code, cli.stderr).toBe(0);
  });
});
