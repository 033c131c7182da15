import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startPrivateRedis, type PrivateRedis } from '../support/private-redis.js';
import { percentile } from '../bench/bench-context.js';
import { ProxyMode } from './featbit-proxy.js';
import { fallthrough, startFaultWorld, type FaultWorld } from './fault-world.js';

/**
 * The fault matrix: each row starts featgate on a private Redis in front of the FeatBit sandbox, makes unauthorized
 * edits while one fault is in force, clears it, and reports per row: edits, restored, lost, loops (featgate still
 * writing once settled), kill-switch violations (a flag the admin switched off seen on again), restore p50/p99
 * (from the later of the edit and the fault clearing), and whether it recovered without a human. Loopback only,
 * bounded: 20 flags a row, 90 s at most after a fault clears. `npm run faults` (or `-- <row names>`) prints every
 * row; `npm run bench faults` reports the restore p99 of the rows that matter against the baseline row.
 */

const FLAGS = 20;
const SETTLE_DEADLINE_MS = 90_000;
const QUIET_MS = 3_000;

/** The Redis a row runs on, which an `ownRedis` row may crash and bring back at the same address. */
interface RestartableRedis {
  crash(): Promise<void>;
  restart(): Promise<void>;
}

interface RowContext {
  /** Edits made so far; a row's fault may act between them. */
  readonly keys: readonly string[];
}

/** One fault: how it starts, acts and clears. */
export interface Row {
  readonly name: string;
  /** Runs on a Redis of its own (with AOF) that the fault may kill and restart. */
  readonly ownRedis?: boolean;
  readonly webhooks?: boolean;
  /** Also switch each flag off right after widening it (the kill switch must win). */
  readonly switchOff?: boolean;
  /** Starts the fault before the edits; returns how to clear it. */
  fault?(
    world: FaultWorld,
    context: RowContext,
    redis: RestartableRedis,
    prepared?: ChildProcess,
  ): Promise<() => Promise<void>>;
  /** Runs (and is awaited) before the edits, e.g. to start a second worker the fault then kills. */
  prepare?(world: FaultWorld): Promise<ChildProcess>;
  /** Runs after the edits, before the fault clears. */
  afterEdits?(world: FaultWorld): Promise<void>;
}

/** Every row of the fault matrix, in the order `npm run faults` runs them. */
export const rows: Row[] = [
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
          await fetch(`${world.service.url}/webhooks/featbit`, {
            method: 'POST',
            headers: delivery.headers,
            body: delivery.payload,
          }).catch(() => undefined);
        }
      }
    },
  },
  { name: 'switch-off-right-after-widening', switchOff: true },
  {
    name: 'worker-killed-9',
    // A second serve process shares the queue; FeatBit is slowed so it holds jobs and flag locks when it is killed
    // 300 ms into the edits. Restores count from the kill.
    prepare: async (world) => {
      const worker = await world.spawnWorker();
      world.proxy.delayMs = 400;
      return worker;
    },
    fault: async (world, _context, _redis, worker) => {
      await sleep(300);
      worker?.kill('SIGKILL');
      world.proxy.delayMs = 0;
      return async () => undefined;
    },
  },
  {
    name: 'redis-crash-10s-aof',
    ownRedis: true,
    fault: async (_world, _context, redis) => {
      await redis.crash();
      return async () => {
        await sleep(10_000);
        await redis.restart();
      };
    },
  },
];

/** What one row measured. */
export interface RowResult {
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
    targeting: {
      targetUsers: flag.targetUsers,
      rules: flag.rules,
      fallthrough: fallthrough(key, 0.5),
      exptIncludeAllTargets: true,
    },
  });
}

/** Runs one row in a world of its own on `sharedRedisUrl` (or on a Redis of its own for `ownRedis` rows). */
export async function runRow(row: Row, sharedRedisUrl: string): Promise<RowResult> {
  const own = row.ownRedis ? await ownRedis() : undefined;
  const redisUrl = own?.url() ?? sharedRedisUrl;
  const world = await startFaultWorld({
    redisUrl,
    prefix: `faults:${row.name}:${Date.now()}:`,
    flagCount: FLAGS,
    webhooks: row.webhooks ?? true,
  });
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
    const noRestart: RestartableRedis = { crash: async () => undefined, restart: async () => undefined };
    const prepared = await row.prepare?.(world);
    const faultStarted = row.fault ? row.fault(world, { keys }, own ?? noRestart, prepared) : undefined;
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
    return {
      edits: keys.length,
      restored: restoredAt.size,
      lost,
      loops,
      killSwitchViolations: violations,
      restoreMs,
      recovered: lost === 0 && counts.failed === 0,
    };
  } finally {
    await world.close();
    await own?.stop();
  }
}

/** A private Redis with AOF at a fixed port and folder, so a crash and restart keep its data and its address. */
async function ownRedis(): Promise<RestartableRedis & { url(): string; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'featgate-faults-redis-'));
  let server: PrivateRedis | undefined = await startPrivateRedis({ port, dir, appendOnly: true });
  return {
    url: () => `redis://127.0.0.1:${port}`,
    crash: async () => {
      await server?.stop(true);
      server = undefined;
    },
    restart: async () => {
      server = await startPrivateRedis({ port, dir, appendOnly: true });
    },
    stop: async () => {
      await server?.stop(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One line per row: every count, the restore percentiles and whether it recovered without a human. */
export function describeRow(name: string, result: RowResult): string {
  const p = (q: number) => (result.restoreMs.length ? `${percentile(result.restoreMs, q).toFixed(0)} ms` : 'n/a');
  return (
    `fault ${name}: edits ${result.edits}, restored ${result.restored}, lost ${result.lost}, loops ${result.loops}, ` +
    `kill-switch violations ${result.killSwitchViolations}, restore p50 ${p(50)} p99 ${p(99)}, recovered without a human: ${result.recovered ? 'yes' : 'no'}`
  );
}
