import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServiceConfig } from '../../../src/config/index.js';
import { FeatBitRestClient } from '../../../src/featbit/rest-client/index.js';
import { silentLogger } from '../../../src/logging/index.js';
import { startService, type RunningService } from '../../../src/server/index.js';

const FLAG = 'support-assistant-prompt';

describe('featgate serve with no configuration (the README quick start)', () => {
  let dataDir: string;
  let service: RunningService;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'featgate-demo-'));
    const config = loadServiceConfig({ env: { FEATGATE_DATA_DIR: dataDir }, overrides: { port: 0 } });
    service = await startService(config, { logger: silentLogger });
  });

  afterAll(async () => {
    await service?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reverts a flag admin raising the candidate in the demo sandbox and opens a proposal naming them', async () => {
    expect(service.sandboxUrl).toBeDefined();
    expect(service.sandboxDemo).toBeDefined();
    const { envId, adminToken } = service.sandboxDemo!;
    const admin = new FeatBitRestClient({ baseUrl: service.sandboxUrl!, accessToken: adminToken });
    const before = await admin.getFlag(envId, FLAG);
    const concise = before.variations.find((variation) => variation.name === 'concise')!;
    const current = before.fallthrough.variations[0]!.id;
    await admin.updateTargeting(envId, FLAG, {
      revision: before.revision,
      targeting: {
        targetUsers: before.targetUsers,
        rules: before.rules,
        fallthrough: {
          dispatchKey: null,
          includedInExpt: true,
          variations: [
            { id: current, rollout: [0, 0.5], exptRollout: 1 },
            { id: concise.id, rollout: [0.5, 1], exptRollout: 1 },
          ],
        },
        exptIncludeAllTargets: true,
      },
    });

    let served: string[] = [];
    for (let attempt = 0; attempt < 100; attempt += 1) {
      served = (await admin.getFlag(envId, FLAG)).fallthrough.variations.map((variation) => variation.id);
      if (served.length === 1) break;
      await sleep(100);
    }
    expect(served).toEqual([current]);

    // The revert comes first and the proposal right after it (best effort), so wait for the proposal too.
    let proposed = false;
    for (let attempt = 0; attempt < 100 && !proposed; attempt += 1) {
      const response = await fetch(`${service.url}/v1/changes?status=proposed`, {
        headers: { authorization: `Bearer ${service.demoTokens.admin}` },
      });
      const { items } = (await response.json()) as {
        items: { requester: string; record: { flags: { key: string }[] } }[];
      };
      proposed = items.some(
        (item) => item.requester === 'flag-admin' && item.record.flags.some((flag) => flag.key === FLAG),
      );
      if (!proposed) await sleep(100);
    }
    expect(proposed).toBe(true);
  });
});
