import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { ActorKind, JsonlLedgerStore, LedgerEventType, RedisLedgerStore, type LedgerStore } from '../../src/ledger/index.js';
import { LedgerProjections } from '../../src/workflow/index.js';
import { percentile, type BenchContext } from './bench-context.js';
import { writeJsonlHistory, writeRedisHistory } from './scale-ledger-fixture.js';
import { heapAfterGc, mb, scratchDir } from './scale-support.js';

/** Ledger lengths of the curve; the first is the baseline. `FEATGATE_BENCH_LEDGER_MAX` lowers the largest. */
const LENGTHS = [10_000, 100_000, 1_000_000].filter((length) => length <= Number(process.env.FEATGATE_BENCH_LEDGER_MAX ?? 1_000_000));
const WRITES = 200;

interface Point {
  startupMs: number;
  heap: number;
  writeP50: number;
  writeP99: number;
}

/**
 * What `serve` does with the ledger before answering: open the store, fold every projection (change records,
 * approved states, audit index) from the ledger. Then the write latency of one entry plus the catch-up a change
 * write waits for.
 */
async function measure(open: () => Promise<LedgerStore>): Promise<Point> {
  const heapBefore = heapAfterGc();
  const start = performance.now();
  const ledger = await open();
  const projections = new LedgerProjections(ledger);
  await projections.catchUp();
  const startupMs = performance.now() - start;
  const heap = heapAfterGc() - heapBefore;
  const samples: number[] = [];
  try {
    for (let index = 0; index < WRITES; index += 1) {
      const begun = performance.now();
      await ledger.append({
        type: LedgerEventType.ReviewDateNotified,
        actor: { id: 'featgate', kind: ActorKind.Service, roles: [] },
        subject: 'change:CH-bench',
        data: { index },
      });
      await projections.catchUpOwnWrites();
      samples.push(performance.now() - begun);
    }
  } finally {
    await ledger.close();
  }
  if (projections.lastSeq === 0) throw new Error('the projections folded nothing');
  return { startupMs, heap, writeP50: percentile(samples, 50), writeP99: percentile(samples, 99) };
}

function report(ctx: BenchContext, store: string, length: number, point: Point, base: Point): void {
  const label = `scale ledger ${store} ${length.toLocaleString('en-US')} entries`;
  ctx.report(`${label}: startup (open + fold projections)`, point.startupMs, 'ms', `${(point.startupMs / base.startupMs).toFixed(2)}x ${LENGTHS[0]!.toLocaleString('en-US')} entries; aim <= 2x at 1M`);
  ctx.report(`${label}: projection heap`, point.heap / 1024 / 1024, 'MB', `${(point.heap / Math.max(1, base.heap)).toFixed(2)}x ${LENGTHS[0]!.toLocaleString('en-US')} entries (${mb(base.heap)})`);
  ctx.report(`${label}: write+catch-up p50`, point.writeP50, 'ms', `p99 ${point.writeP99.toFixed(2)} ms; ${(point.writeP50 / base.writeP50).toFixed(2)}x ${LENGTHS[0]!.toLocaleString('en-US')} entries`);
}

/** Startup time, projection heap and write latency of both stores at 10k / 100k / 1M ledger entries. */
export async function run(ctx: BenchContext): Promise<void> {
  const embedded: Point[] = [];
  for (const length of LENGTHS) {
    const dir = scratchDir('scale-ledger');
    try {
      const generated = performance.now();
      await writeJsonlHistory(dir, length);
      const generateMs = performance.now() - generated;
      const point = await measure(() => JsonlLedgerStore.open({ dataDir: dir }));
      embedded.push(point);
      report(ctx, 'embedded', length, point, embedded[0]!);
      if (length === LENGTHS[LENGTHS.length - 1]) ctx.report(`scale ledger ${length.toLocaleString('en-US')} entries: generated in`, generateMs, 'ms', 'fixture, not featgate');
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
      try {
        await writeRedisHistory(client, prefix, length);
        const point = await measure(async () => new RedisLedgerStore({ redis: url, prefix }));
        redis.push(point);
        report(ctx, 'redis', length, point, redis[0]!);
      } finally {
        await client.del(`${prefix}{ledger}:entries`, `${prefix}{ledger}:head`);
      }
    }
  } finally {
    await client.quit();
  }
}
