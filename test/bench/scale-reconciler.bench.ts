import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../policies/index.js';
import { serviceConfigSchema } from '../../src/config/index.js';
import { flagSchema } from '../../src/featbit/model/index.js';
import { generateApiToken, hashApiToken } from '../../src/identity/index.js';
import { ActorKind, JsonlLedgerStore, LedgerEventType } from '../../src/ledger/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { flagSubject } from '../../src/ledger-events/index.js';
import { createSandbox } from '../../src/sandbox/index.js';
import { startService } from '../../src/server/index.js';
import { routeFlag } from '../e2e/webhook-bridge/bridge-harness.js';
import type { BenchContext } from './bench-context.js';
import { startCountingProxy } from './counting-proxy.js';
import { scratchDir, statePayload } from './scale-support.js';

/** Governed flags per round; the first size is the baseline. */
const SIZES = [100, 1_000];
const ROUND_TIMEOUT_MS = 120_000;

/**
 * One reconciler round of a real `serve` (embedded store, in-process queue) against the FeatBit sandbox behind a
 * counting proxy: the time from `runOnce()` until the queue is idle, and the REST calls the round made.
 */
async function measureRound(flags: number): Promise<{ ms: number; calls: number; byShape: Map<string, number> }> {
  const policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
  const envId = policy.environments[0]!.id;
  const seeded = Array.from({ length: flags }, (_, index) => routeFlag(envId, `scale-${index}-model-route`));
  const sandbox = await createSandbox({
    environments: [{ id: envId, name: 'production' }],
    seeds: [{ flags: seeded, segments: [] }],
    logger: silentLogger,
  });
  const proxy = await startCountingProxy(sandbox.url);
  const dataDir = scratchDir('scale-reconciler');
  const ledger = await JsonlLedgerStore.open({ dataDir });
  const actor = { id: 'bench-admin', kind: ActorKind.User, roles: ['admin'] };
  await Promise.all(
    seeded.map((raw) => {
      const { envId: _envId, ...flagFields } = raw;
      const flag = flagSchema.parse(flagFields);
      return ledger.append({
        type: LedgerEventType.FlagAdopted,
        actor,
        subject: flagSubject(envId, flag.key),
        data: { state: { ...statePayload(envId, flag), baselineVariationId: `${flag.key}-current` } },
      });
    }),
  );
  await ledger.close();
  const service = await startService(
    serviceConfigSchema.parse({
      port: 0,
      dataDir,
      featbit: { apiUrl: proxy.url, accessToken: sandbox.tokens.demo.token, sandbox: false },
      identity: { tokens: [{ name: 'bench', sha256: hashApiToken(generateApiToken()), roles: ['admin'] }] },
      webhooks: { reconcileIntervalSeconds: 86_400 },
    }),
    { logger: silentLogger },
  );
  try {
    const bridge = service.bridge!;
    await bridge.queue.whenIdle(ROUND_TIMEOUT_MS);
    proxy.reset();
    const start = performance.now();
    const queued = await bridge.reconciler.runOnce();
    await bridge.queue.whenIdle(ROUND_TIMEOUT_MS);
    const ms = performance.now() - start;
    if (queued !== flags) throw new Error(`the round queued ${queued} of ${flags} governed flags`);
    return { ms, calls: proxy.total(), byShape: proxy.counts() };
  } finally {
    await service.close();
    await proxy.close();
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Reconciler round time and REST calls per round over governed flag counts, each next to the smallest size. */
export async function run(ctx: BenchContext): Promise<void> {
  const rounds: { ms: number; calls: number }[] = [];
  for (const flags of SIZES) {
    const round = await measureRound(flags);
    rounds.push(round);
    const base = rounds[0]!;
    const shapes = [...round.byShape]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([shape, count]) => `${count} ${shape}`)
      .join(', ');
    ctx.report(
      `scale reconciler ${flags} flags: round time`,
      round.ms,
      'ms',
      `${(round.ms / base.ms).toFixed(2)}x ${SIZES[0]} flags; embedded store, sandbox FeatBit on loopback`,
    );
    ctx.report(
      `scale reconciler ${flags} flags: REST calls per round`,
      round.calls,
      'calls',
      `${(round.calls / flags).toFixed(2)} per flag; ${(round.calls / base.calls).toFixed(2)}x ${SIZES[0]} flags; ${shapes}`,
    );
  }
}
