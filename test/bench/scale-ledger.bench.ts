import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import {
  ActorKind,
  fileCheckpointStore,
  JsonlLedgerStore,
  LedgerEventType,
  RedisLedgerStore,
  type LedgerSigningKey,
  type LedgerStore,
} from '../../src/ledger/index.js';
import {
  encodeSnapshotState,
  sealSnapshot,
  type SnapshotStore,
  LedgerProjections,
} from '../../src/projections/index.js';
import {
  openLedgerWithProjections,
  snapshotStoreFor,
  type LedgerWithProjections,
  type OpenLedgerProjectionsOptions,
} from '../../src/server/open-ledger-projections.js';
import { percentile, type BenchContext } from './bench-context.js';
import { benchChangeData, benchLedgerKey, writeJsonlHistory, writeRedisHistory } from './scale-ledger-fixture.js';
import { heapAfterGc, mb, scratchDir } from './scale-support.js';

/** Ledger lengths of the curve; the first is the baseline. `FEATGATE_BENCH_LEDGER_MAX` lowers the largest. */
const LENGTHS = [10_000, 100_000, 1_000_000].filter(
  (length) => length <= Number(process.env.FEATGATE_BENCH_LEDGER_MAX ?? 1_000_000),
);
/** Entries appended after the newest snapshot, the same at every length: what a start folds and verifies. */
const TAIL = 2_000;
const WRITES = 200;
const NEVER = Number.MAX_SAFE_INTEGER;
/** Starts measured per point (the median is reported; the first start of a run also pays for warming up the JIT). */
const STARTS = 3;

interface Point {
  startupMs: number;
  heap: number;
  writeP50: number;
  writeP99: number;
}

type Where = Omit<OpenLedgerProjectionsOptions, 'key' | 'logger'>;

/**
 * Fixture: the projection snapshot a running service would have written at seq `length - TAIL` (folded by the
 * projections, sealed with the ledger key, bound to the generated chain and its checkpoints), then TAIL entries
 * appended through the checkpointed ledger as the service appends them.
 */
async function prepare(
  where: Where,
  key: LedgerSigningKey,
  plain: () => Promise<LedgerStore>,
  checkpointsEnd: () => Promise<number>,
): Promise<void> {
  const store = await plain();
  const projections = new LedgerProjections(store);
  await projections.catchUp();
  const head = (await store.head())!;
  const offset = await store.locate?.(head.seq);
  const base = {
    seq: head.seq,
    hash: head.hash,
    checkpoints: await checkpointsEnd(),
    at: new Date().toISOString(),
    ...(offset === undefined ? {} : { offset }),
  };
  const snapshots: SnapshotStore = snapshotStoreFor(where);
  await snapshots.write(await sealSnapshot(encodeSnapshotState(projections.exportState()), base, key));
  await store.close();
  const opened = await openLedgerWithProjections({ ...where, key, snapshotEvery: NEVER });
  if (opened.restoredFrom !== head.seq) throw new Error('the fixture snapshot was not used');
  await Promise.all(Array.from({ length: TAIL }, (_, index) => opened.ledger.append(benchAppend(index))));
  await opened.ledger.close();
}

function benchAppend(index: number) {
  return {
    type: LedgerEventType.ReviewDateNotified,
    actor: { id: 'featgate', kind: ActorKind.Service, roles: [] },
    subject: 'change:CH-bench',
    data: { index },
  };
}

let created = 0;
/** A new change record, as creating a change appends it (the fold adds it to every change record so far). */
function createChange() {
  created += 1;
  const key = `bench-write-${created}`;
  return {
    type: LedgerEventType.ChangeCreated,
    actor: { id: 'bench-owner', kind: ActorKind.User, roles: ['releaseOwner'] },
    subject: `change:${key}`,
    data: benchChangeData(key),
  };
}

/**
 * What `serve` does with the ledger before answering: load the newest snapshot, verify the ledger from its signed
 * base, restore the projections and fold the tail. Then the latency of creating a change at the ledger: its
 * `change.created` append plus the catch-up a change write waits for. Every history holds the same current state (50
 * change records edited over and over, 1,000 approved flags), so only the history's length varies. Startup is the median of STARTS starts.
 */
async function measure(where: Where, key: LedgerSigningKey, length: number): Promise<Point> {
  const starts: number[] = [];
  for (let round = 1; round < STARTS; round += 1) {
    const begun = performance.now();
    const opened = await openLedgerWithProjections({ ...where, key, snapshotEvery: NEVER });
    starts.push(performance.now() - begun);
    await opened.ledger.close();
  }
  const begun = performance.now();
  let opened: LedgerWithProjections | undefined = await openLedgerWithProjections({
    ...where,
    key,
    snapshotEvery: NEVER,
  });
  starts.push(performance.now() - begun);
  // what the opened ledger and projections keep alive: the heap with them, less the heap once they are dropped
  const heapWith = heapAfterGc();
  if (opened.restoredFrom !== length - TAIL || opened.projections.lastSeq !== length)
    throw new Error(`the start did not use the snapshot (restored from ${opened.restoredFrom})`);
  if (opened.projections.changes.changes.size < 50 || opened.projections.changes.skipped.length > 0) {
    throw new Error(
      `the history holds ${opened.projections.changes.changes.size} change records; skipped: ${opened.projections.changes.skipped[0]?.reason}`,
    );
  }
  const samples: number[] = [];
  for (let index = 0; index < WRITES; index += 1) {
    const writeBegun = performance.now();
    await opened.ledger.append(createChange());
    await opened.projections.catchUpOwnWrites();
    samples.push(performance.now() - writeBegun);
  }
  if (opened.projections.changes.skipped.length > 0)
    throw new Error(`the projections skipped entries: ${opened.projections.changes.skipped[0]!.reason}`);
  await opened.ledger.close();
  // Dropped so the heap measured next no longer holds the opened projections.
  // eslint-disable-next-line no-useless-assignment
  opened = undefined;
  const heap = heapWith - heapAfterGc();
  return {
    startupMs: percentile(starts, 50),
    heap,
    writeP50: percentile(samples, 50),
    writeP99: percentile(samples, 99),
  };
}

function report(ctx: BenchContext, store: string, length: number, point: Point, base: Point): void {
  const label = `scale ledger ${store} ${length.toLocaleString('en-US')} entries`;
  const baseline = `${LENGTHS[0]!.toLocaleString('en-US')} entries`;
  ctx.report(
    `${label}: startup (snapshot + verify and fold ${TAIL} tail)`,
    point.startupMs,
    'ms',
    `${(point.startupMs / base.startupMs).toFixed(2)}x ${baseline}; aim <= 2x at 1M`,
  );
  ctx.report(
    `${label}: projection heap`,
    point.heap / 1024 / 1024,
    'MB',
    `${(point.heap / Math.max(1, base.heap)).toFixed(2)}x ${baseline} (${mb(base.heap)})`,
  );
  ctx.report(
    `${label}: create a change (append + fold) p50`,
    point.writeP50,
    'ms',
    `p99 ${point.writeP99.toFixed(2)} ms; ${(point.writeP50 / base.writeP50).toFixed(2)}x ${baseline}`,
  );
}

/** Startup time, projection heap and write latency of both stores at 10k / 100k / 1M ledger entries. */
export async function run(ctx: BenchContext): Promise<void> {
  const key = await benchLedgerKey();
  const embedded: Point[] = [];
  for (const length of LENGTHS) {
    const dir = scratchDir('scale-ledger');
    try {
      const generated = performance.now();
      await writeJsonlHistory(dir, length - TAIL, key);
      const generateMs = performance.now() - generated;
      const where = { dataDir: dir };
      await prepare(
        where,
        key,
        () => JsonlLedgerStore.open({ dataDir: dir }),
        () => fileCheckpointStore(dir).end(),
      );
      const point = await measure(where, key, length);
      embedded.push(point);
      report(ctx, 'embedded', length, point, embedded[0]!);
      if (length === LENGTHS[LENGTHS.length - 1])
        ctx.report(
          `scale ledger ${length.toLocaleString('en-US')} entries: generated in`,
          generateMs,
          'ms',
          'fixture, not featgate',
        );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const url = await ctx.redisUrl();
  const client = new Redis(url);
  const redis: Point[] = [];
  try {
    for (const length of LENGTHS) {
      const prefix = `bench:scale-ledger:${process.pid}:${length}:`;
      const dir = scratchDir('scale-ledger-redis');
      try {
        await writeRedisHistory(client, prefix, length - TAIL, key);
        const where = { dataDir: dir, redis: client, prefix };
        await prepare(
          where,
          key,
          async () => new RedisLedgerStore({ redis: client, prefix }),
          () => client.llen(`${prefix}{ledger}:checkpoints`),
        );
        const point = await measure(where, key, length);
        redis.push(point);
        report(ctx, 'redis', length, point, redis[0]!);
      } finally {
        await client.del(
          `${prefix}{ledger}:entries`,
          `${prefix}{ledger}:head`,
          `${prefix}{ledger}:checkpoints`,
          `${prefix}{ledger}:snapshot`,
        );
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await client.quit();
  }
}
