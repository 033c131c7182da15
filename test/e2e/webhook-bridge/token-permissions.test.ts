import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatCapture, type ChatCapture } from '../../support/loopback-server.js';
import { LedgerEventType } from '../../../src/ledger/index.js';
import { silentLogger } from '../../../src/logging/index.js';
import { createSandbox, SandboxPermission, type Sandbox } from '../../../src/sandbox/index.js';
import {
  candidateShare,
  CANDIDATE_ROUTE,
  governedEnvironment,
  routeFlag,
  startBridgeHarness,
  type BridgeHarness,
} from './bridge-harness.js';

let sandbox: Sandbox;
let h: BridgeHarness;
let chat: ChatCapture;

// featgate's own FeatBit token may not update variations; everything else it may do.
beforeAll(async () => {
  chat = await startChatCapture();
  const env = await governedEnvironment();
  sandbox = await createSandbox({ environments: [{ id: env.id, name: env.name }], logger: silentLogger });
  sandbox.tokens.issue('featgate-bot', {
    permissions: Object.values(SandboxPermission).filter(
      (permission) => permission !== SandboxPermission.UpdateFlagVariations,
    ),
  });
  sandbox.tokens.issue('alice');
  h = await startBridgeHarness({ sandbox, webhooks: { notifyUrl: chat.hookUrl } });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await sandbox?.close();
  await chat?.close();
});

const readiness = async () => {
  const response = await fetch(`${h.service.url}/readyz`);
  const body = (await response.json()) as { checks: { name: string; ok: boolean; error?: string }[] };
  return { status: response.status, governance: body.checks.find((check) => check.name === 'featbit-governance') };
};
const featgateWrites = (key: string) =>
  sandbox.control.store
    .auditLogs(h.envId)
    .filter((entry) => entry.refId === h.live(key).id && entry.creatorName === 'featgate-bot');

/** Alice changes the candidate's content and sends everyone to it: the revert needs the variations endpoint. */
async function aliceRewritesTheCandidate(key: string): Promise<void> {
  const flag = await h.alice.getFlag(h.envId, key);
  const variations = flag.variations.map((variation) =>
    variation.id === `${key}-candidate`
      ? { ...variation, value: JSON.stringify({ ...CANDIDATE_ROUTE, model: 'unreviewed-model' }) }
      : variation,
  );
  const revision = await h.alice.updateVariations(h.envId, key, { revision: flag.revision, variations });
  await h.alice.updateTargeting(h.envId, key, {
    revision,
    targeting: {
      targetUsers: [],
      rules: [],
      fallthrough: { ...flag.fallthrough, variations: [{ id: `${key}-candidate`, rollout: [0, 1], exptRollout: 1 }] },
      exptIncludeAllTargets: true,
    },
  });
}

describe("featgate's own FeatBit token permissions", () => {
  it('are probed per governed flag without a write, and readiness names the missing permission and the flag', async () => {
    const key = 'probed-model-route';
    const writesBefore = sandbox.control.store.auditLogs(h.envId).length;
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    await h.service.bridge!.reconciler.runOnce();
    await h.settle();
    await h.service.bridge!.permissions.idle();

    const ready = await readiness();
    expect(ready.status).toBe(503);
    expect(ready.governance).toMatchObject({ ok: false });
    expect(ready.governance!.error).toContain(`lacks UpdateFlagVariations on flag ${key} (${h.envId})`);
    // The probes answered 400 or 403 and wrote nothing.
    expect(
      sandbox.control.store
        .auditLogs(h.envId)
        .slice(0, sandbox.control.store.auditLogs(h.envId).length - writesBefore)
        .filter((entry) => entry.creatorName === 'featgate-bot'),
    ).toEqual([]);
    expect(chat.messages.some((text) => text.includes(`lacks UpdateFlagVariations on flag ${key}`))).toBe(true);
  });

  it('stops a revert that needs a refused permission before its first write, fails its job at once and raises it', async () => {
    const key = 'blocked-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    await h.service.bridge!.reconciler.runOnce();
    await h.settle();
    // A gateway in front of FeatBit refuses PATCH, so the one-write restore is closed too.
    sandbox.control.failRequests({ status: 403, method: 'PATCH', forMs: 600_000 });
    try {
      await aliceRewritesTheCandidate(key);
      await h.settle();

      // No half-reverted flag: featgate wrote nothing (the default rule alone would have been restored first).
      expect(featgateWrites(key)).toEqual([]);
      expect(candidateShare(h.live(key), key)).toBe(1);
      expect(await h.entries(LedgerEventType.EditReverted, key)).toHaveLength(0);
      expect((await h.entries(LedgerEventType.EditIntercepted, key)).length).toBeGreaterThan(0);
      // Reviewers still see the edit it could not revert.
      expect((await h.entries(LedgerEventType.ProposalOpened)).some((entry) => entry.data['flagKey'] === key)).toBe(
        true,
      );

      const jobs = await h.call('GET', '/v1/jobs', { token: h.tokens.auditor });
      const failed = jobs.body.failed.filter((job: { key: string }) => job.key === `${h.envId}:flag:${key}`);
      expect(failed.length).toBeGreaterThan(0);
      for (const job of failed) {
        expect(job.attemptsMade).toBe(1);
        expect(job.failedReason).toContain('UpdateFlagVariations');
      }
      const ready = await readiness();
      expect(ready.status).toBe(503);
      expect(ready.governance!.error).toContain(`featgate cannot revert flag ${key} (${h.envId})`);
      const metrics = await fetch(`${h.service.url}/metrics`).then((response) => response.text());
      expect(metrics).toContain('featgate_bridge_flag_problems{kind="revert-blocked"} 1');
      expect(metrics).toMatch(/featgate_bridge_revert_failures_total\{kind="revert-blocked"\} [1-9]/);
      expect(chat.messages.some((text) => text.includes(`featgate cannot revert flag ${key}`))).toBe(true);
    } finally {
      sandbox.control.clearFaults();
    }

    // The gateway lets PATCH through again: retrying the job restores the flag in one atomic JSON Patch.
    const [job] = (await h.call('GET', '/v1/jobs', { token: h.tokens.auditor })).body.failed.filter(
      (item: { key: string }) => item.key === `${h.envId}:flag:${key}`,
    );
    expect((await h.call('POST', `/v1/jobs/${job.id}/retry`, { token: h.tokens.admin })).status).toBe(202);
    await h.settle();
    expect(candidateShare(h.live(key), key)).toBeCloseTo(0.05, 10);
    expect(JSON.parse(h.live(key).variations.find((variation) => variation.id === `${key}-candidate`)!.value!)).toEqual(
      CANDIDATE_ROUTE,
    );
    expect(featgateWrites(key).map((entry) => entry.operation)).toHaveLength(1);
    const [reverted] = await h.entries(LedgerEventType.EditReverted, key);
    expect(reverted!.data).toMatchObject({ writes: 1 });
    expect((await readiness()).governance!.error).not.toContain(`cannot revert flag ${key}`);
  });
});
