import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  ActorKind,
  buildEntries,
  hashEntry,
  jsonlLedgerFiles,
  JsonlLedgerStore,
  ledgerEntrySchema,
  LedgerEventType,
  RedisLedgerStore,
  redisLedgerKeys,
  serializeEntry,
  type LedgerAppend,
  type LedgerEntry,
  type LedgerHead,
} from '../../src/ledger/index.js';
import { percentile, type BenchContext } from './bench-context.js';
import { benchChangeData, writeJsonlHistory, writeRedisHistory } from './scale-ledger-fixture.js';

/** Ledger length compared; `FEATGATE_BENCH_LEDGER_MAX` lowers it, as in scale-ledger. */
const LENGTH = Math.min(1_000_000, Number(process.env.FEATGATE_BENCH_LEDGER_MAX ?? 1_000_000));
/** Entries a start folds after its snapshot (scale-ledger's tail): the range read. */
const RANGE = 2_000;
const RANGE_READS = 30;
const POINT_READS = 300;
const APPENDS = 300;
const WARM_UP = 20;
/** Rows per multi-row INSERT while loading the fixture into PostgreSQL. */
const LOAD_BATCH = 2_000;
/** The server database the bench creates its own database from; `FEATGATE_BENCH_PG_URL` overrides it. */
const ADMIN_URL = process.env.FEATGATE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const LABEL = `ledger store choice ${LENGTH.toLocaleString('en-US')} entries`;

/** The ledger operations compared, as the service performs them. */
interface ComparedStore {
  append(entry: LedgerAppend): Promise<unknown>;
  readAfter(afterSeq: number, limit: number): Promise<readonly LedgerEntry[]>;
  readSeqs(seqs: readonly number[]): Promise<readonly LedgerEntry[]>;
}

const LEDGER_SCHEMA = `
CREATE TABLE ledger_entries (
  seq bigint PRIMARY KEY,
  hash char(64) NOT NULL,
  prev_hash char(64) NOT NULL,
  entry json NOT NULL
);
CREATE TABLE ledger_head (
  id smallint PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  hash char(64) NOT NULL
);`;

/**
 * One statement, hence one transaction: move the head row only if it still is the head the batch was built on,
 * and insert the entries only when it moved (the row lock serialises writers as the Redis script does). Returns
 * the number of entries inserted, 0 when another writer moved the head first.
 */
const APPEND_SQL = `
WITH moved AS (
  UPDATE ledger_head SET seq = $3, hash = $4 WHERE id = 1 AND seq = $1 AND hash = $2 RETURNING 1
)
INSERT INTO ledger_entries (seq, hash, prev_hash, entry)
SELECT e.seq, e.hash, e.prev_hash, e.entry
FROM moved, unnest($5::bigint[], $6::text[], $7::text[], $8::json[]) AS e(seq, hash, prev_hash, entry)`;

/**
 * The minimal honest PostgreSQL ledger the bench compares: an append-only table keyed by seq with hash, prev hash
 * and the entry JSON as stored, a head row checked and moved in the append's own transaction, and reads that check
 * every entry's schema and hash as the real stores do. No signed checkpoints (neither compared store signs them here).
 */
class PostgresBenchLedger implements ComparedStore {
  private head: LedgerHead | undefined;

  constructor(private readonly client: pg.Client) {}

  /** Creates the tables and loads `lines` (the fixture's stored entry JSON) in multi-row INSERTs. */
  async load(lines: AsyncIterable<string>): Promise<void> {
    await this.client.query(LEDGER_SCHEMA);
    let batch: { seq: string[]; hash: string[]; prev: string[]; entry: string[] } = fresh();
    let last: LedgerHead | undefined;
    const flush = async () => {
      if (batch.seq.length === 0) return;
      await this.client.query(
        'INSERT INTO ledger_entries (seq, hash, prev_hash, entry) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::json[])',
        [batch.seq, batch.hash, batch.prev, batch.entry],
      );
      batch = fresh();
    };
    for await (const line of lines) {
      // the fixture writes `{"seq":N,...,"prevHash":"<64 hex>","hash":"<64 hex>"}`: cut the columns out unparsed
      const seq = line.slice(7, line.indexOf(','));
      const hash = line.slice(-66, -2);
      const prev = line.slice(-(66 + 10 + 64), -(66 + 10));
      batch.seq.push(seq);
      batch.hash.push(hash);
      batch.prev.push(prev);
      batch.entry.push(line);
      last = { seq: Number(seq), hash };
      if (batch.seq.length >= LOAD_BATCH) await flush();
    }
    await flush();
    if (!last) throw new Error('the fixture holds no entries');
    await this.client.query('INSERT INTO ledger_head (id, seq, hash) VALUES (1, $1, $2)', [last.seq, last.hash]);
    const sample = await this.readSeqs([last.seq]);
    if (sample[0]?.prevHash !== (await this.readSeqs([last.seq - 1]))[0]?.hash)
      throw new Error('the PostgreSQL fixture is not chained');
    await this.client.query('VACUUM ANALYZE ledger_entries');
  }

  /** Builds the entry on the cached head and appends it with the compare-and-set statement, retrying on a lost race. */
  async append(append: LedgerAppend): Promise<LedgerEntry> {
    for (;;) {
      this.head ??= await this.readHead();
      const [entry] = buildEntries([append], this.head);
      const base = this.head ?? { seq: 0, hash: '' };
      const result = await this.client.query(APPEND_SQL, [
        base.seq,
        base.hash,
        entry!.seq,
        entry!.hash,
        [entry!.seq],
        [entry!.hash],
        [entry!.prevHash],
        [serializeEntry(entry!)],
      ]);
      if (result.rowCount === 1) {
        this.head = { seq: entry!.seq, hash: entry!.hash };
        return entry!;
      }
      this.head = undefined;
    }
  }

  /** Entries after `afterSeq` by primary key, each checked against its hash. */
  async readAfter(afterSeq: number, limit: number): Promise<LedgerEntry[]> {
    const result = await this.client.query<{ entry: LedgerEntry }>(
      'SELECT entry FROM ledger_entries WHERE seq > $1 ORDER BY seq LIMIT $2',
      [afterSeq, limit],
    );
    return result.rows.map((row) => checked(row.entry));
  }

  /** Entries by seq in one query, each checked against its hash. */
  async readSeqs(seqs: readonly number[]): Promise<LedgerEntry[]> {
    const result = await this.client.query<{ entry: LedgerEntry }>(
      'SELECT entry FROM ledger_entries WHERE seq = ANY($1::bigint[]) ORDER BY seq',
      [seqs],
    );
    return result.rows.map((row) => checked(row.entry));
  }

  /** Bytes of both tables with their indexes and TOAST. */
  async bytes(): Promise<number> {
    const result = await this.client.query<{ bytes: string }>(
      "SELECT pg_total_relation_size('ledger_entries') + pg_total_relation_size('ledger_head') AS bytes",
    );
    return Number(result.rows[0]!.bytes);
  }

  private async readHead(): Promise<LedgerHead | undefined> {
    const result = await this.client.query<{ seq: string; hash: string }>(
      'SELECT seq, hash FROM ledger_head WHERE id = 1',
    );
    const row = result.rows[0];
    return row ? { seq: Number(row.seq), hash: row.hash } : undefined;
  }
}

function fresh() {
  return { seq: [] as string[], hash: [] as string[], prev: [] as string[], entry: [] as string[] };
}

/** What the real stores do with every entry they read: its schema, then its hash. */
function checked(entry: LedgerEntry): LedgerEntry {
  if (!ledgerEntrySchema.safeParse(entry).success || hashEntry(entry) !== entry.hash)
    throw new Error(`ledger entry ${entry.seq} is damaged`);
  return entry;
}

async function* fileLines(path: string): AsyncIterable<string> {
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity }))
    if (line !== '') yield line;
}

let written = 0;
/** A new change record, as an API write appends it (the entry the fixture's change records carry). */
function apiWrite(): LedgerAppend {
  written += 1;
  const key = `bench-store-choice-${written}`;
  return {
    type: LedgerEventType.ChangeCreated,
    actor: { id: 'bench-owner', kind: ActorKind.User, roles: ['releaseOwner'] },
    subject: `change:${key}`,
    data: benchChangeData(key),
  };
}

/** Deterministic pseudo-random seqs in [1, max] (the same for every store). */
function seqsUpTo(max: number, count: number): number[] {
  let state = 0x2545f491;
  return Array.from({ length: count }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return 1 + (state % max);
  });
}

interface Figures {
  appendP50: number;
  appendP99: number;
  rangeP50: number;
  rangeP99: number;
  pointP50: number;
  pointP99: number;
}

async function timed(samples: number[], work: () => Promise<unknown>): Promise<void> {
  const begun = performance.now();
  await work();
  samples.push(performance.now() - begun);
}

/** Range reads and point reads spread over the history, then single sequential appends (API writes). */
async function measure(store: ComparedStore): Promise<Figures> {
  const ranges: number[] = [];
  for (const seq of seqsUpTo(LENGTH - RANGE, RANGE_READS)) {
    await timed(ranges, async () => {
      const entries = await store.readAfter(seq, RANGE);
      if (entries.length !== RANGE || entries[0]!.seq !== seq + 1) throw new Error(`range read after ${seq} failed`);
    });
  }
  const points: number[] = [];
  for (const seq of seqsUpTo(LENGTH, POINT_READS)) {
    await timed(points, async () => {
      const [entry] = await store.readSeqs([seq]);
      if (entry?.seq !== seq) throw new Error(`reading entry ${seq} failed`);
    });
  }
  for (let index = 0; index < WARM_UP; index += 1) await store.append(apiWrite());
  const appends: number[] = [];
  for (let index = 0; index < APPENDS; index += 1) await timed(appends, () => store.append(apiWrite()));
  return {
    appendP50: percentile(appends, 50),
    appendP99: percentile(appends, 99),
    rangeP50: percentile(ranges, 50),
    rangeP99: percentile(ranges, 99),
    pointP50: percentile(points, 50),
    pointP99: percentile(points, 99),
  };
}

function ratio(value: number, redis: number): string {
  return `${(value / redis).toFixed(2)}x redis`;
}

/** Prints the store's figures against Redis's; `durability` says what an append waits for. */
function reportStore(ctx: BenchContext, store: string, figures: Figures, redis: Figures, durability: string): void {
  const rows: [string, keyof Figures, keyof Figures][] = [
    [`append one entry (API write, ${durability})`, 'appendP50', 'appendP99'],
    [`read ${RANGE.toLocaleString('en-US')} entries from a seq (tail fold)`, 'rangeP50', 'rangeP99'],
    ['read one entry by seq', 'pointP50', 'pointP99'],
  ];
  for (const [name, p50, p99] of rows) {
    ctx.report(
      `${LABEL}: ${store} ${name} p50`,
      figures[p50],
      'ms',
      `${ratio(figures[p50], redis[p50])}; p99 ${figures[p99].toFixed(2)} ms, ${ratio(figures[p99], redis[p99])}`,
    );
  }
}

async function connect(url: string): Promise<pg.Client | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    console.log(
      `${LABEL}: skipped, PostgreSQL unreachable at ${url} (${error instanceof Error ? error.message : String(error)})`,
    );
    return undefined;
  }
}

/**
 * Whether PostgreSQL would serve the ledger better than Redis: the real RedisLedgerStore (private redis-server, no
 * persistence, as scale-ledger), the real JsonlLedgerStore (on disk, fsync per append) and a minimal PostgreSQL
 * ledger table (fsync per commit, and once with `synchronous_commit = off`), all holding the same LENGTH entries of
 * the scale-ledger fixture. Every figure is printed against Redis's figure of this run.
 */
export async function run(ctx: BenchContext): Promise<void> {
  const admin = await connect(ADMIN_URL);
  if (!admin) return;
  const database = `featgate_bench_${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'featgate-bench-store-choice-'));
  const url = await ctx.redisUrl();
  const redisClient = new Redis(url);
  const prefix = `bench:store-choice:${process.pid}:`;
  let ledgerClient: pg.Client | undefined;
  try {
    ctx.report(`${LABEL}: load average (1 min) at start`, loadavg()[0]!, '', `${availableParallelism()} cores`);
    await admin.query(`CREATE DATABASE ${database}`);
    const target = new URL(ADMIN_URL);
    target.pathname = `/${database}`;
    ledgerClient = new pg.Client({ connectionString: target.href });
    await ledgerClient.connect();

    const generated = performance.now();
    await writeJsonlHistory(dir, LENGTH);
    const memoryBefore = await usedMemory(redisClient);
    await writeRedisHistory(redisClient, prefix, LENGTH);
    const redisBytes = (await usedMemory(redisClient)) - memoryBefore;
    const postgres = new PostgresBenchLedger(ledgerClient);
    await postgres.load(fileLines(jsonlLedgerFiles(dir).ledger));
    ctx.report(
      `${LABEL}: fixture in all three stores generated in`,
      performance.now() - generated,
      'ms',
      'not featgate',
    );

    const jsonlBytes = statSync(jsonlLedgerFiles(dir).ledger).size;
    const postgresBytes = await postgres.bytes();
    ctx.report(`${LABEL}: redis size (INFO memory used_memory)`, redisBytes / 2 ** 20, 'MB', '1.00x redis');
    ctx.report(`${LABEL}: embedded JSONL file size`, jsonlBytes / 2 ** 20, 'MB', ratio(jsonlBytes, redisBytes));
    ctx.report(
      `${LABEL}: postgres size (pg_total_relation_size)`,
      postgresBytes / 2 ** 20,
      'MB',
      ratio(postgresBytes, redisBytes),
    );

    const redisStore = new RedisLedgerStore({ redis: redisClient, prefix });
    const redis = await measure(redisStore);
    await redisStore.close();
    reportStore(ctx, 'redis', redis, redis, 'no persistence');

    const jsonl = await JsonlLedgerStore.open({ dataDir: dir });
    reportStore(ctx, 'embedded', await measure(jsonl), redis, 'fsync');
    await jsonl.close();

    reportStore(ctx, 'postgres', await measure(postgres), redis, 'fsync per commit');
    await ledgerClient.query('SET synchronous_commit = off');
    reportStore(ctx, 'postgres (synchronous_commit off)', await measure(postgres), redis, 'no fsync wait');
    ctx.report(`${LABEL}: load average (1 min) at end`, loadavg()[0]!, '', `${availableParallelism()} cores`);
  } finally {
    await ledgerClient?.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    const keys = redisLedgerKeys(prefix);
    await redisClient.del(keys.entries, keys.head, keys.checkpoints, keys.snapshot);
    await redisClient.quit();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  const match = /^used_memory:(\d+)/m.exec(info);
  if (!match) throw new Error('INFO memory has no used_memory');
  return Number(match[1]);
}
