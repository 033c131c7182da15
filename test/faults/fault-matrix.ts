import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { hasRedisServerBinary, REDIS_MISSING_MESSAGE, startPrivateRedis } from '../support/private-redis.js';
import { percentile } from '../bench/bench-context.js';
import { ProxyMode } from './featbit-proxy.js';
import { fallthrough, startFaultWorld, type FaultWorld } from './fault-world.js';

/**
 * The fault matrix: each row starts featgate on a private Redis in front of the FeatBit sandbox, makes unauthorized
 * edits while one fault is in force, clears it, and reports per row: edits, restored, lost, loops (featgate still
 * writing once settled), kill-switch violations (a flag the admin switched off seen on again), restore p50/p99
 * (from the later of the edit and the fault clearing), and whether it recovered without a human. Loopback only,
 * bounded: 20 flags a row, 90 s at most after a fault clears. Run with `npm run faults` (or `-- <row names>`).
 */

const FLAGS = 20;
const SETTLE_DEADLINE_MS = 90_000;
const QUIET_MS = 3_000;

interface RowContext {
  /** Edits made so far; a row's fault may act between them. */
  readonly keys: readonly string[];
}

interface Row {
  readonly name: string;
  readonly webhooks?: boolean;
  /** Also switch each flag off right after widening it (the kill switch must win). */
  readonly switchOff?: boolean;
  /** Starts the fault before the edits; returns how to clear it. */
  fault?(world: FaultWorld, context: RowContext): Promise<() => Promise<void>>;
  /** Runs after the edits, before the fault clears. */
  afterEdits?(world: FaultWorld): Promise<void>;
}

const rows: Row[] = [
  { name: 'baseline' },
  {
    name: 'featbit-503-10s',
    fault: async (world) => {
      world.proxy.mode = ProxyMode.Unavailable;
      await sleep(10_000);
      return async () => void (world.proxy.mode = ProxyMode.Pass);
    },
  },
  {
    name: 'featbit-refused-10s',
    fault: async (world) => {
      world.proxy.mode = ProxyMode.Refuse;
      await sleep(10_000);
      return async () => void (world.proxy.mode = ProxyMode.Pass);
    },
  },
  {
    name: 'featbit-slow-800ms',
    fault: async (world) => {
      world.proxy.delayMs = 800;
      return async () => void (world.proxy.delayMs = 0);
    },
  },
  { name: 'no-webhooks', webhooks: false },
  {
    name: 'replayed-deliveries-x3',
    afterEdits: async (world) => {
      await world.sandbox.control.webhooksIdle();
      const deliveries = world.sandbox.control.deliveries();
      for (let round = 0; round < 3; round += 1) {
        for (const delivery of deliveries) {
          await fetch(`${world.service.url}/webhooks/featbit`, { method: 'POST', headers: delivery.headers, body: delivery.payload }).catch(() => undefined);
        }
      }
    },
  },
  { name: 'switch-off-right-after-widening', switchOff: true },
];

interface RowResult {
  readonly edits: number;
  readonly restored: number;
  readonly lost: number;
  readonly loops: number;
  readonly killSwitchViolations: number;
  readonly restoreMs: number[];
  readonly recovered: boolean;
}

function candidateShare(flag: any, key: string): number {
  return (flag.fallthrough.variations as { id: string; rollout: number[] }[])
    .filter((rollout) => rollout.id === `${key}-candidate`)
    .reduce((sum, rollout) => sum + (rollout.rollout[1]! - rollout.rollout[0]!), 0);
}

async function widen(world: FaultWorld, key: string): Promise<void> {
  const flag = await world.live(key);
  await world.featbit('PUT', `/api/v1/envs/${world.envId}/feature-flags/${key}/targeting`, {
    revision: flag.revision,
    targeting: { targetUsers: flag.targetUsers, rules: flag.rules, fallthrough: fallthrough(key, 0.5), exptIncludeAllTargets: true },
  });
}

async function runRow(row: Row, redisUrl: string): Promise<RowResult> {
  const world = await startFaultWorld({ redisUrl, prefix: `faults:${row.name}:${Date.now()}:`, flagCount: FLAGS, webhooks: row.webhooks ?? true });
  try {
    const keys = Array.from({ length: FLAGS }, (_, index) => `fault-${index}-model-route`);
    const editedAt = new Map<string, number>();
    const switchedOff = new Set<string>();
    const restoredAt = new Map<string, number>();
    let violations = 0;
    let watching = true;
    // Watches FeatBit from the first edit on, as a user would: when each edit is undone, and whether a flag the admin
    // switched off is ever seen on again.
    const watcher = (async () => {
      while (watching) {
        for (const key of keys) {
          if (!editedAt.has(key) || restoredAt.has(key)) continue;
          const flag = await world.live(key);
          if (switchedOff.has(key) && flag.isEnabled) violations += 1;
          if (candidateShare(flag, key) === 0 && flag.targetUsers.length === 0) restoredAt.set(key, performance.now());
        }
        await sleep(10);
      }
    })();
    let clear: (() => Promise<void>) | undefined;
    const faultStarted = row.fault ? row.fault(world, { keys }) : undefined;
    for (const key of keys) {
      await widen(world, key);
      editedAt.set(key, performance.now());
      if (row.switchOff) {
        await world.featbit('PUT', `/api/v1/envs/${world.envId}/feature-flags/${key}/toggle/false`);
        switchedOff.add(key);
      }
    }
    await row.afterEdits?.(world);
    if (faultStarted) clear = await faultStarted;
    await clear?.();
    const clearedAt = row.fault ? performance.now() : 0;
    const deadline = performance.now() + SETTLE_DEADLINE_MS;
    while (restoredAt.size < keys.length && performance.now() < deadline) await sleep(50);
    watching = false;
    await watcher;
    const before = await Promise.all(keys.map((key) => world.featgateWrites(key)));
    const watchUntil = performance.now() + QUIET_MS;
    while (performance.now() < watchUntil) {
      for (const key of switchedOff) if ((await world.live(key)).isEnabled) violations += 1;
      await sleep(100);
    }
    const after = await Promise.all(keys.map((key) => world.featgateWrites(key)));
    const loops = after.filter((count, index) => count > before[index]!).length;
    const restoreMs = [...restoredAt].map(([key, at]) => at - Math.max(editedAt.get(key)!, clearedAt));
    const counts = await world.service.bridge!.queue.counts();
    const lost = keys.length - restoredAt.size;
    return { edits: keys.length, restored: restoredAt.size, lost, loops, killSwitchViolations: violations, restoreMs, recovered: lost === 0 && counts.failed === 0 };
  } finally {
    await world.close();
  }
}

if (!hasRedisServerBinary()) throw new Error(REDIS_MISSING_MESSAGE);
const only = process.argv.slice(2);
const redis = await startPrivateRedis();
try {
  for (const row of rows.filter((candidate) => only.length === 0 || only.some((name) => candidate.name.includes(name)))) {
    const result = await runRow(row, redis.url);
    const p = (q: number) => (result.restoreMs.length ? `${percentile(result.restoreMs, q).toFixed(0)} ms` : 'n/a');
    console.log(
      `fault ${row.name}: edits ${result.edits}, restored ${result.restored}, lost ${result.lost}, loops ${result.loops}, kill-switch violations ${result.killSwitchViolations}, restore p50 ${p(50)} p99 ${p(99)}, recovered without a human: ${result.recovered ? 'yes' : 'no'}`,
    );
  }
} finally {
  await redis.stop();
}
process.exit(0);
