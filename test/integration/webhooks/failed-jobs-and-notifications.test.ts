import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatCapture, type ChatCapture } from '../../support/loopback-server.js';
import { LedgerEventType } from '../../../src/ledger/index.js';
import {
  eventually,
  FAST_BRIDGE_OPTIONS,
  routeFlag,
  startBridgeHarness,
  type BridgeHarness,
} from '../../e2e/webhook-bridge/bridge-harness.js';

const run = promisify(execFile);
const cli = new URL('../../../src/cli/featgate.mjs', import.meta.url).pathname;

let h: BridgeHarness;
let chat: ChatCapture;

beforeAll(async () => {
  chat = await startChatCapture();
  h = await startBridgeHarness({
    webhooks: { notifyUrl: chat.hookUrl },
    service: {
      ...FAST_BRIDGE_OPTIONS,
      bridge: { ...FAST_BRIDGE_OPTIONS.bridge, retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 20 } },
    },
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await chat?.close();
});

describe('reconcile jobs that keep failing, and notifications', () => {
  it('keeps a job that exhausted its retries visible in the API, the CLI and the metrics until it is retried', async () => {
    const key = 'broken-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    const flag = await h.alice.getFlag(h.envId, key);
    await h.alice.updateTargeting(h.envId, key, {
      revision: flag.revision,
      targeting: {
        targetUsers: [{ keyIds: ['qa-lead'], variationId: `${key}-candidate` }],
        rules: flag.rules,
        fallthrough: flag.fallthrough,
        exptIncludeAllTargets: true,
      },
    });
    await h.settle();
    // FeatBit now refuses featgate every request (a revoked token, say): the job fails until someone looks.
    h.sandbox.control.failRequests({ forMs: 600_000, status: 403 });
    await h.service.bridge!.reconciler.runOnce();
    await h.settle();
    h.sandbox.control.clearFaults();

    const listed = await h.call('GET', '/v1/jobs', { token: h.tokens.auditor });
    expect(listed.status).toBe(200);
    expect(listed.body.counts).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 1 });
    const [failed] = listed.body.failed;
    // A 403 cannot be cured by retrying: the job failed for good on its first attempt (no half hour of retries).
    expect(failed).toMatchObject({ key: `${h.envId}:flag:${key}`, attemptsMade: 1, job: { source: 'reconciler' } });
    expect(failed.failedReason).toContain('403');

    const metrics = await fetch(`${h.service.url}/metrics`).then((response) => response.text());
    expect(metrics).toContain('featgate_reconcile_jobs{state="failed"} 1');

    const env = { ...process.env, FEATGATE_URL: h.service.url };
    const shown = await run(process.execPath, [cli, 'jobs', 'list', '--token', h.tokens.auditor], { env });
    expect(shown.stdout).toContain('1 failed');
    expect(shown.stdout).toContain(failed.id);

    expect((await h.call('POST', `/v1/jobs/${failed.id}/retry`, { token: h.tokens.auditor })).status).toBe(403);
    const retried = await run(process.execPath, [cli, 'jobs', 'retry', failed.id, '--token', h.tokens.admin], { env });
    expect(retried.stdout).toContain(`job ${failed.id} queued again`);
    await h.settle();
    expect((await h.call('GET', '/v1/jobs', { token: h.tokens.auditor })).body.counts.failed).toBe(0);
    expect(h.live(key).targetUsers).toEqual([]);

    const missing = await run(process.execPath, [cli, 'jobs', 'retry', failed.id, '--token', h.tokens.admin], {
      env,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(missing).toMatchObject({ code: 1 });
  });

  it('posts a revert, a proposal and its approval to the Slack-compatible webhook', async () => {
    const key = 'notify-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    chat.messages.length = 0;
    const flag = await h.alice.getFlag(h.envId, key);
    await h.alice.updateTargeting(h.envId, key, {
      revision: flag.revision,
      targeting: {
        targetUsers: [{ keyIds: ['qa-lead'], variationId: `${key}-candidate` }],
        rules: flag.rules,
        fallthrough: flag.fallthrough,
        exptIncludeAllTargets: true,
      },
    });
    await eventually(
      () =>
        ['reverted an unapproved edit', 'opened proposal', 'waits for review by'].every((part) =>
          chat.messages.some((text) => text.includes(part)),
        ),
      10_000,
      'revert, proposal and review-request chat.messages',
    );
    expect(chat.messages.find((text) => text.includes('reverted an unapproved edit'))).toContain(
      `${key} (${h.envId}) by alice`,
    );
    const [reverted] = await h.entries(LedgerEventType.EditReverted, key);
    const proposalKey = String(reverted!.data['proposal']);
    expect(chat.messages.find((text) => text.includes('opened proposal'))).toContain(proposalKey);
    expect(chat.messages.find((text) => text.includes('waits for review by'))).toMatch(
      new RegExp(`^Change ${proposalKey} \\(\\w+ tier\\) waits for review by \\w+`),
    );

    await h.call('POST', `/v1/changes/${proposalKey}/evidence`, {
      token: h.tokens.requester,
      body: { type: 'offlineEval', summary: 'evaluated', result: 'passed' },
    });
    const review = await h.call('POST', `/v1/changes/${proposalKey}/reviews`, {
      token: h.tokens.aiPlatformOwner,
      body: { decision: 'approve' },
    });
    expect(review.body.status).toBe('approved');
    await eventually(
      () => chat.messages.some((text) => text.includes(`Change ${proposalKey} is approved`)),
      10_000,
      'the approval message',
    );
    expect(chat.messages.filter((text) => text.includes(`Change ${proposalKey} is approved`))).toHaveLength(1);
    expect(chat.messages.join('\n')).not.toContain('whsec-');
  });
});
