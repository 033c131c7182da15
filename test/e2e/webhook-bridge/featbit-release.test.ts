import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors/index.js';
import { silentLogger } from '../../../src/logging/index.js';
import { createSandbox } from '../../../src/sandbox/index.js';
import { probeFeatBitRelease, FeatBitReleaseProbe } from '../../../webhooks/index.js';
import { FeatBitRestClient } from '../../../src/featbit/rest-client/index.js';
import { governedEnvironment, routeFlag } from './bridge-harness.js';

async function probe(featBitVersion: string) {
  const env = await governedEnvironment();
  const sandbox = await createSandbox({
    environments: [{ id: env.id, name: env.name }],
    logger: silentLogger,
    featBitVersion,
  });
  try {
    sandbox.control.seed({ flags: [routeFlag(env.id, 'probe-model-route', { candidateShare: 0.05 })], segments: [] });
    const before = sandbox.control.store.getFlag(env.id, 'probe-model-route');
    const client = new FeatBitRestClient({
      baseUrl: sandbox.url,
      accessToken: sandbox.tokens.issue('featgate-bot').token,
      logger: silentLogger,
    });
    const outcome = await probeFeatBitRelease(client, env.id).catch((error: unknown) => error);
    return {
      outcome,
      unchanged: sandbox.control.store.getFlag(env.id, 'probe-model-route').revision === before.revision,
    };
  } finally {
    await sandbox.close();
  }
}

describe('the FeatBit release featgate enforces against', () => {
  it('accepts FeatBit 5.4.2 without writing anything', async () => {
    const { outcome, unchanged } = await probe('5.4.2');
    expect(outcome).toBe(FeatBitReleaseProbe.Supported);
    expect(unchanged).toBe(true);
  });

  it('refuses FeatBit 5.3.2 (no targeting writes by access token) and 5.2.1 (no revisions) with a clear error', async () => {
    for (const version of ['5.3.2', '5.2.1']) {
      const { outcome } = await probe(version);
      expect(outcome).toBeInstanceOf(ConfigError);
      expect((outcome as Error).message).toContain('5.3.3');
    }
  });
});
