import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceConfigSchema } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/logging/index.js';
import { startService, type RunningService } from '../../../src/server/index.js';
import {
  eventually,
  FAST_BRIDGE_OPTIONS,
  roleTokens,
  serviceConfigInput,
  startBridgeHarness,
  type BridgeHarness,
} from './bridge-harness.js';

const INTERVAL_MS = 250;
const rounds: { process: string; scheduledAt: number }[] = [];
let h: BridgeHarness;
let second: RunningService;
let secondDir: string;

const bridgeOptions = (name: string) => ({
  ...FAST_BRIDGE_OPTIONS,
  bridge: {
    ...FAST_BRIDGE_OPTIONS.bridge,
    reconcileIntervalMs: INTERVAL_MS,
    onScheduledRound: (scheduledAt: number) => rounds.push({ process: name, scheduledAt }),
  },
});

// Two featgate processes on one Redis (one prefix): one cluster.
beforeAll(async () => {
  h = await startBridgeHarness({ service: bridgeOptions('first') });
  secondDir = mkdtempSync(join(tmpdir(), 'featgate-bridge-second-'));
  const config = serviceConfigInput({
    sandbox: h.sandbox,
    redisPrefix: h.redisPrefix,
    dataDir: secondDir,
    secret: h.secret,
    tokenConfigs: roleTokens().configs,
  });
  second = await startService(serviceConfigSchema.parse(config), { logger: silentLogger, ...bridgeOptions('second') });
}, 60_000);

afterAll(async () => {
  await second?.close();
  await h?.close();
  rmSync(secondDir, { recursive: true, force: true });
});

describe('the reconciler in Redis mode', () => {
  it('runs one round per scheduled interval for the whole cluster, not one per process', async () => {
    const from = rounds.length;
    await eventually(() => rounds.length - from >= 8, 20_000, 'eight scheduled rounds');
    const seen = rounds.slice(from, from + 8);
    const slots = seen.map((round) => round.scheduledAt);
    // Each scheduled slot ran exactly once in the cluster, whichever process took it...
    expect(new Set(slots).size).toBe(slots.length);
    // ...and the slots are those of the one shared schedule: whole intervals apart.
    const sorted = [...slots].sort((a, b) => a - b);
    for (let index = 1; index < sorted.length; index += 1)
      expect((sorted[index]! - sorted[index - 1]!) % INTERVAL_MS).toBe(0);
  });
});
