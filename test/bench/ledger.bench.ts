import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import {
  ActorKind,
  JsonlLedgerStore,
  RedisLedgerStore,
  serializeEntry,
  buildEntry,
  type LedgerAppend,
  type LedgerStore,
} from '../../src/ledger/index.js';
import { opsPerSecond, type BenchContext } from './bench-context.js';

const MEASURE_MS = 1500;

let counter = 0;
function nextAppend(): LedgerAppend {
  counter += 1;
  return {
    type: 'review.submitted',
    actor: { id: 'bench', kind: ActorKind.Service, roles: ['reviewer'] },
    subject: `change:CH-${counter}`,
    data: { index: counter, verdict: 'approve', comment: 'looks good to me' },
  };
}

/** Appends per second with `writers` loops appending at once for about `durationMs`. */
async function concurrentAppendsPerSecond(
  stores: readonly LedgerStore[],
  writers: number,
  durationMs: number,
): Promise<number> {
  let count = 0;
  const start = performance.now();
  const until = start + durationMs;
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      const store = stores[writer % stores.length]!;
      while (performance.now() < until) {
        await store.append(nextAppend());
        count += 1;
      }
    }),
  );
  return (count * 1000) / (performance.now() - start);
}

/** Ledger append throughput for both stores, each against a plain write of the same bytes measured now. */
export async function run(ctx: BenchContext): Promise<void> {
  const line = Buffer.from(`${serializeEntry(buildEntry(nextAppend(), undefined))}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'featgate-bench-ledger-'));
  try {
    const raw = await open(join(dir, 'raw.jsonl'), 'a');
    const rawWrites = await opsPerSecond(
      async () => {
        await raw.write(line);
        await raw.datasync();
      },
      MEASURE_MS,
      20,
    );
    await raw.close();
    const embedded = await JsonlLedgerStore.open({ dataDir: join(dir, 'ledger') });
    const embeddedOne = await opsPerSecond(() => embedded.append(nextAppend()), MEASURE_MS, 20);
    ctx.report(
      'ledger embedded appends (1 writer)',
      embeddedOne,
      'appends/s',
      `${(embeddedOne / rawWrites).toFixed(2)}x a bare write+fdatasync`,
    );
    const embeddedFour = await concurrentAppendsPerSecond([embedded], 4, MEASURE_MS);
    ctx.report(
      'ledger embedded appends (4 writers)',
      embeddedFour,
      'appends/s',
      `${(embeddedFour / embeddedOne).toFixed(2)}x one writer, group commit`,
    );
    await embedded.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const url = await ctx.redisUrl();
  const prefix = `bench:ledger:${process.pid}:`;
  const client = new Redis(url);
  try {
    const rawPushes = await opsPerSecond(() => client.rpush(`${prefix}raw`, line), MEASURE_MS);
    const single = new RedisLedgerStore({ redis: url, prefix: `${prefix}one:` });
    const redisOne = await opsPerSecond(() => single.append(nextAppend()), MEASURE_MS);
    ctx.report(
      'ledger redis appends (1 writer)',
      redisOne,
      'appends/s',
      `${(redisOne / rawPushes).toFixed(2)}x a bare RPUSH round trip`,
    );
    const sharedFour = await concurrentAppendsPerSecond([single], 4, MEASURE_MS);
    ctx.report(
      'ledger redis appends (4 writers, one store)',
      sharedFour,
      'appends/s',
      `${(sharedFour / redisOne).toFixed(2)}x one writer, group commit`,
    );
    await single.close();

    const contenders = [0, 1, 2, 3].map(() => new RedisLedgerStore({ redis: url, prefix: `${prefix}four:` }));
    const redisFour = await concurrentAppendsPerSecond(contenders, 4, MEASURE_MS);
    ctx.report(
      'ledger redis appends (4 stores racing)',
      redisFour,
      'appends/s',
      `${(redisFour / redisOne).toFixed(2)}x one writer, compare-and-set retries`,
    );
    const verifyStart = performance.now();
    const verification = await contenders[0]!.verify();
    if (!verification.ok) throw new Error(`bench ledger failed verification: ${JSON.stringify(verification.problem)}`);
    const verifyRate = (verification.entries * 1000) / (performance.now() - verifyStart);
    ctx.report(
      'ledger redis verify',
      verifyRate,
      'entries/s',
      `${verification.entries} entries, ${(verifyRate / redisOne).toFixed(2)}x append rate`,
    );
    await Promise.all(contenders.map((store) => store.close()));
  } finally {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    await client.quit();
  }
}
