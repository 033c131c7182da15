import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerEventType } from '../../../src/ledger/index.js';
import { silentLogger } from '../../../src/logging/index.js';
import { createSandbox, SandboxPermission, type Sandbox } from '../../../src/sandbox/index.js';
import { flagJob, TriggerSource } from '../../../webhooks/index.js';
import {
  candidateShare,
  eventually,
  governedEnvironment,
  routeFlag,
  startBridgeHarness,
  type BridgeHarness,
} from './bridge-harness.js';

let sandbox: Sandbox;
let h: BridgeHarness;

// featgate's own FeatBit token lacks the default-rule permission (FeatBit checks PUT targeting per changed part).
beforeAll(async () => {
  const env = await governedEnvironment();
  sandbox = await createSandbox({ environments: [{ id: env.id, name: env.name }], logger: silentLogger });
  const granted = Object.values(SandboxPermission).filter(
    (permission) => permission !== SandboxPermission.UpdateFlagDefaultRule,
  );
  sandbox.tokens.issue('featgate-bot', { permissions: granted });
  sandbox.tokens.issue('alice');
  h = await startBridgeHarness({ sandbox });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await sandbox?.close();
});

describe('a featgate token missing one FeatBit permission', () => {
  it('still restores the approved rollout (JSON Patch needs authentication only) instead of failing every retry', async () => {
    const key = 'forbidden-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    const flag = await h.alice.getFlag(h.envId, key);
    await h.alice.updateTargeting(h.envId, key, {
      revision: flag.revision,
      targeting: {
        targetUsers: [],
        rules: [],
        fallthrough: { ...flag.fallthrough, variations: [{ id: `${key}-candidate`, rollout: [0, 1], exptRollout: 1 }] },
        exptIncludeAllTargets: true,
      },
    });
    await eventually(
      async () => (await h.entries(LedgerEventType.EditReverted, key)).length === 1,
      10_000,
      'the revert',
    );
    await h.settle();
    expect(candidateShare(h.live(key), key)).toBeCloseTo(0.05, 10);
    expect(h.live(key).isEnabled).toBe(true);
  });
});

describe('a never-approved governed flag when the token lacks the default-rule permission', () => {
  it('is at least switched off (the safe state cannot be written whole) and its job fails at once, raised in readiness', async () => {
    const key = 'unapproved-forbidden-model-route';
    h.sandbox.control.seed({ flags: [routeFlag(h.envId, key, { candidateShare: 0.5 })], segments: [] });
    await h.service.bridge!.queue.enqueue(flagJob(h.envId, key, TriggerSource.Reconciler));
    await h.settle();
    expect(h.live(key).isEnabled).toBe(false);
    const failed = (await h.call('GET', '/v1/jobs', { token: h.tokens.auditor })).body.failed.filter(
      (job: { key: string }) => job.key === `${h.envId}:flag:${key}`,
    );
    // Each job (the reconciler's, then the one its own switch-off triggered) failed for good on its first attempt.
    expect(failed.length).toBeGreaterThan(0);
    for (const job of failed) expect(job.attemptsMade).toBe(1);
    const ready = (await (await fetch(`${h.service.url}/readyz`)).json()) as {
      checks: { name: string; error?: string }[];
    };
    expect(ready.checks.find((check) => check.name === 'featbit-governance')!.error).toContain(
      `featgate cannot revert flag ${key}`,
    );
  });
});
