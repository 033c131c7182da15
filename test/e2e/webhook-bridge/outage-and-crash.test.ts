import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createBullmqReconcileQueue, WEBHOOK_PATH } from '../../../webhooks/index.js';
import { FeatBitRestClient } from '../../../src/featbit/rest-client/index.js';
import { LedgerEventType } from '../../../src/ledger/index.js';
import { silentLogger } from '../../../src/logging/index.js';
import { WebhookEvent } from '../../../src/featbit/model/index.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';
import {
  candidateShare,
  eventually,
  FAST_BRIDGE_OPTIONS,
  governedEnvironment,
  roleTokens,
  routeFlag,
  serviceConfigInput,
  startBridgeHarness,
  startGovernedSandbox,
} from './bridge-harness.js';

const child = fileURLToPath(new URL('./fixtures/serve-child.ts', import.meta.url));

describe('the webhook bridge when FeatBit or the worker fails', () => {
  it('reverts an unauthorized edit that waited while FeatBit was unreachable for 30 s, once FeatBit is back', async () => {
    const h = await startBridgeHarness();
    try {
      const key = 'outage-model-route';
      await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
      h.sandbox.control.dropWebhooks(1);
      const flag = await h.alice.getFlag(h.envId, key);
      const raised = {
        ...flag.fallthrough,
        variations: [
          { id: `${key}-candidate`, rollout: [0, 0.5] as [number, number], exptRollout: 1 },
          { id: `${key}-current`, rollout: [0.5, 1] as [number, number], exptRollout: 1 },
        ],
      };
      await h.alice.updateTargeting(h.envId, key, {
        revision: flag.revision,
        targeting: { targetUsers: [], rules: [], fallthrough: raised, exptIncludeAllTargets: true },
      });
      await h.sandbox.control.webhooksIdle();
      const delivery = h.sandbox.control.deliveries().findLast((record) => record.payload.includes(`"${key}"`))!;

      await h.sandbox.control.refuseConnections(30_000);
      const answer = await fetch(`${h.service.url}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers: delivery.headers,
        body: delivery.payload,
      });
      expect(answer.status).toBe(202);
      await eventually(
        async () => (await h.service.bridge!.queue.counts()).delayed === 1,
        10_000,
        'a retry waiting for FeatBit',
      );
      expect(await h.entries(LedgerEventType.EditReverted, key)).toHaveLength(0);

      await eventually(
        async () => (await h.entries(LedgerEventType.EditReverted, key)).length === 1,
        45_000,
        'the revert after recovery',
      );
      await h.settle();
      expect(candidateShare(h.live(key), key)).toBeCloseTo(0.05, 10);
      expect(await h.service.bridge!.queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    } finally {
      await h.close();
    }
  }, 90_000);

  it('loses nothing when the worker process is killed mid-job: the surviving process reverts from the same webhook job', async () => {
    const env = await governedEnvironment();
    const sandbox = await startGovernedSandbox();
    const redisPrefix = uniquePrefix('bridge-crash');
    const secret = 'whsec-crash-test';
    const dataDir = mkdtempSync(join(tmpdir(), 'featgate-child-'));
    const { tokens, configs } = roleTokens();
    const processes: ReturnType<typeof spawn>[] = [];
    const producer = createBullmqReconcileQueue({ redisUrl: testRedisUrl(), prefix: redisPrefix });
    try {
      const serving = spawn(process.execPath, ['--conditions=featgate-source', '--import', 'tsx', child], {
        env: {
          ...process.env,
          FEATGATE_E2E_SERVICE: JSON.stringify({
            config: serviceConfigInput({ sandbox, redisPrefix, dataDir, secret, tokenConfigs: configs }),
            options: FAST_BRIDGE_OPTIONS,
          }),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      processes.push(serving);
      let output = '';
      serving.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const url = await eventually(() => /ready (\S+)/.exec(output)?.[1], 30_000, 'the child service');

      const key = 'crash-model-route';
      sandbox.control.seed({ flags: [routeFlag(env.id, key, { candidateShare: 0.05 })], segments: [] });
      const adopted = await fetch(`${url}/v1/adoptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ envId: env.id, flagKey: key, reason: 'baseline' }),
      });
      expect(adopted.status).toBe(201);
      sandbox.control.configureWebhook({
        url: `${url}${WEBHOOK_PATH}`,
        secret,
        events: Object.values(WebhookEvent),
        retryDelayMs: 200,
      });

      const alice = new FeatBitRestClient({
        baseUrl: sandbox.url,
        accessToken: sandbox.tokens.list().find((token) => token.name === 'alice')!.token,
        logger: silentLogger,
      });
      const flag = await alice.getFlag(env.id, key);
      const raised = {
        ...flag.fallthrough,
        variations: [
          { id: `${key}-candidate`, rollout: [0, 0.5] as [number, number], exptRollout: 1 },
          { id: `${key}-current`, rollout: [0.5, 1] as [number, number], exptRollout: 1 },
        ],
      };
      await alice.updateTargeting(env.id, key, {
        revision: flag.revision,
        targeting: { targetUsers: [], rules: [], fallthrough: raised, exptIncludeAllTargets: true },
      });
      sandbox.control.addLatency(20_000, { count: 1 });
      await eventually(async () => (await producer.counts()).active === 1, 10_000, 'the child working on the job');
      await sandbox.control.webhooksIdle();
      const deliveryId = sandbox.control
        .deliveries()
        .findLast((record) => record.payload.includes(`"${key}"`))!.deliveryId;

      const exited = new Promise((resolve) => serving.once('exit', resolve));
      serving.kill('SIGKILL');
      await exited;
      sandbox.control.clearFaults();
      expect(candidateShare(sandbox.control.store.getFlag(env.id, key), key)).toBeCloseTo(0.5, 10);

      const survivor = await startBridgeHarness({ sandbox, redisPrefix, secret });
      try {
        await eventually(
          async () => (await survivor.entries(LedgerEventType.EditReverted, key)).length === 1,
          20_000,
          'the revert by the survivor',
        );
        await survivor.settle();
        expect(candidateShare(survivor.live(key), key)).toBeCloseTo(0.05, 10);
        const intercepted = await survivor.entries(LedgerEventType.EditIntercepted, key);
        expect(intercepted.map((entry) => [entry.data['source'], entry.data['deliveryId']])).toEqual([
          ['webhook', deliveryId],
        ]);
        expect(await survivor.service.bridge!.queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
      } finally {
        await survivor.close();
      }
    } finally {
      for (const running of processes) if (running.exitCode === null) running.kill('SIGKILL');
      await producer.close();
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
