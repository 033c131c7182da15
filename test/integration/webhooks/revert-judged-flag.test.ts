import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revertJudgedFlag, StaleEditError } from '../../../webhooks/index.js';
import { flagSchema, type FeatBitFlag } from '../../../src/featbit/model/index.js';
import { FeatBitRestClient } from '../../../src/featbit/rest-client/index.js';
import { silentLogger } from '../../../src/logging/index.js';
import type { Sandbox } from '../../../src/sandbox/index.js';
import {
  candidateShare,
  governedEnvironment,
  routeFlag,
  startGovernedSandbox,
} from '../../e2e/webhook-bridge/bridge-harness.js';

let sandbox: Sandbox;
let envId: string;
let featgate: FeatBitRestClient;
let alice: FeatBitRestClient;

beforeAll(async () => {
  sandbox = await startGovernedSandbox();
  envId = (await governedEnvironment()).id;
  const client = (name: string) =>
    new FeatBitRestClient({
      baseUrl: sandbox.url,
      accessToken: sandbox.tokens.list().find((token) => token.name === name)!.token,
      logger: silentLogger,
    });
  featgate = client('featgate-bot');
  alice = client('alice');
});

afterAll(async () => {
  await sandbox?.close();
});

/** Seeds a flag approved at 5% and lets alice raise it to 50%; answers the approved configuration and the raised flag as judged. */
async function raisedFlag(key: string) {
  sandbox.control.seed({ flags: [routeFlag(envId, key, { candidateShare: 0.05 })], segments: [] });
  const approved: FeatBitFlag = flagSchema.parse(await featgate.getFlag(envId, key));
  const before = await alice.getFlag(envId, key);
  const raised = routeFlag(envId, key, { candidateShare: 0.5 }) as { fallthrough: FeatBitFlag['fallthrough'] };
  await alice.updateTargeting(envId, key, {
    revision: before.revision,
    targeting: { targetUsers: [], rules: [], fallthrough: raised.fallthrough, exptIncludeAllTargets: true },
  });
  return { approved, judged: await featgate.getFlag(envId, key) };
}

const writesBy = (key: string, name: string) => {
  const id = sandbox.control.store.getFlag(envId, key).id;
  return sandbox.control.store.auditLogs(envId).filter((entry) => entry.refId === id && entry.creatorName === name)
    .length;
};

describe('reverting exactly the revision that was judged', () => {
  it('restores the approved configuration when the judged revision is still current', async () => {
    const key = 'judged-model-route';
    const { approved, judged } = await raisedFlag(key);

    const result = await revertJudgedFlag(featgate, envId, judged, approved, 'featgate: restore');

    expect(result.writes).toBe(1);
    expect(candidateShare(sandbox.control.store.getFlag(envId, key), key)).toBeCloseTo(0.05, 10);
  });

  it('writes nothing and asks for a new judgement when a kill switch landed after the judgement', async () => {
    const key = 'killed-model-route';
    const { approved, judged } = await raisedFlag(key);
    await alice.toggle(envId, key, false);

    await expect(revertJudgedFlag(featgate, envId, judged, approved, 'featgate: restore')).rejects.toBeInstanceOf(
      StaleEditError,
    );

    const live = sandbox.control.store.getFlag(envId, key);
    expect(live.isEnabled).toBe(false);
    expect(writesBy(key, 'featgate-bot')).toBe(0);
  });
});
