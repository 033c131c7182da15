import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JsonlLedgerStore,
  RedisLedgerStore,
  jsonlLedgerFiles,
  redisLedgerKeys,
  type LedgerEntry,
} from '../../../src/ledger/index.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';
import { sampleAppend } from './ledger-store-contract.js';
import { runFeatgate } from './run-cli.js';

const ENTRIES = 8;

/** Changes one byte in the middle of a stored record. */
function editOneByte(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const middle = Math.floor(bytes.length / 2);
  bytes[middle] = bytes[middle] === 0x78 ? 0x79 : 0x78;
  return bytes.toString('utf8');
}

/** How a test reaches one store's records to tamper with them, and how the CLI is pointed at it. */
interface Tamperable {
  readonly cliArgs: string[];
  readonly head: string;
  replace(seq: number, text: string): Promise<void>;
  remove(seq: number): Promise<void>;
  swap(a: number, b: number): Promise<void>;
  record(seq: number): Promise<string>;
}

function describeTampering(name: string, makeLedger: () => Promise<Tamperable>): void {
  describe(`featgate audit verify on the ${name} store`, () => {
    it('exits 0 with the entry count and head hash of an intact ledger', async () => {
      const ledger = await makeLedger();
      const outcome = await runFeatgate(['audit', 'verify', ...ledger.cliArgs]);
      expect(outcome).toMatchObject({ code: 0, stdout: `ok: ${ENTRIES} entries, head ${ledger.head}\n` });
    });

    it('exits 1 naming the seq of an entry with one edited byte', async () => {
      const ledger = await makeLedger();
      await ledger.replace(4, editOneByte(await ledger.record(4)));
      const outcome = await runFeatgate(['audit', 'verify', ...ledger.cliArgs]);
      expect(outcome.code).toBe(1);
      expect(outcome.stdout).toMatch(/^seq 4: edited \(/);
    });

    it('exits 1 naming the seq of a deleted entry', async () => {
      const ledger = await makeLedger();
      await ledger.remove(5);
      const outcome = await runFeatgate(['audit', 'verify', ...ledger.cliArgs]);
      expect(outcome).toMatchObject({ code: 1, stdout: 'seq 5: deleted (seq 5 is missing)\n' });
    });

    it('exits 1 naming the deleted last entry', async () => {
      const ledger = await makeLedger();
      await ledger.remove(ENTRIES);
      const outcome = await runFeatgate(['audit', 'verify', ...ledger.cliArgs]);
      expect(outcome.code).toBe(1);
      expect(outcome.stdout).toMatch(new RegExp(`^seq ${ENTRIES}: deleted \\(`));
    });

    it('exits 1 naming the first seq of two swapped entries, as JSON when asked', async () => {
      const ledger = await makeLedger();
      await ledger.swap(3, 6);
      const outcome = await runFeatgate(['audit', 'verify', ...ledger.cliArgs, '--json']);
      expect(outcome.code).toBe(1);
      expect(JSON.parse(outcome.stdout)).toMatchObject({
        ok: false,
        entries: 2,
        problem: { seq: 3, kind: 'reordered' },
      });
    });
  });
}

const root = mkdtempSync(join(tmpdir(), 'featgate-audit-'));
let template: { dir: string; head: string };
let copies = 0;

beforeAll(async () => {
  const dir = join(root, 'template');
  const store = await JsonlLedgerStore.open({ dataDir: dir });
  let last: LedgerEntry | undefined;
  for (let index = 1; index <= ENTRIES; index += 1) last = await store.append(sampleAppend(index));
  await store.close();
  template = { dir, head: last!.hash };
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describeTampering('embedded JSONL', async () => {
  const dir = join(root, `copy-${(copies += 1)}`);
  cpSync(template.dir, dir, { recursive: true });
  const file = jsonlLedgerFiles(dir).ledger;
  const lines = () => readFileSync(file, 'utf8').split('\n').slice(0, -1);
  const save = (records: string[]) => writeFileSync(file, records.map((line) => `${line}\n`).join(''));
  return {
    cliArgs: ['--data-dir', dir],
    head: template.head,
    record: async (seq) => lines()[seq - 1]!,
    replace: async (seq, text) => save(lines().map((line, index) => (index === seq - 1 ? text : line))),
    remove: async (seq) => save(lines().filter((_, index) => index !== seq - 1)),
    swap: async (a, b) => {
      const records = lines();
      [records[a - 1], records[b - 1]] = [records[b - 1]!, records[a - 1]!];
      save(records);
    },
  };
});

describe('Redis', () => {
  let client: Redis;
  beforeAll(() => {
    client = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    await client.quit();
  });

  describeTampering('Redis', async () => {
    const prefix = uniquePrefix('audit-cli');
    const store = new RedisLedgerStore({ redis: client, prefix });
    let last: LedgerEntry | undefined;
    for (let index = 1; index <= ENTRIES; index += 1) last = await store.append(sampleAppend(index));
    await store.close();
    const key = redisLedgerKeys(prefix).entries;
    const record = async (seq: number) => (await client.lindex(key, seq - 1))!;
    return {
      cliArgs: ['--redis-url', testRedisUrl(), '--prefix', prefix],
      head: last!.hash,
      record,
      replace: async (seq, text) => {
        await client.lset(key, seq - 1, text);
      },
      remove: async (seq) => {
        await client.lrem(key, 1, await record(seq));
      },
      swap: async (a, b) => {
        const [first, second] = [await record(a), await record(b)];
        await client.lset(key, a - 1, second);
        await client.lset(key, b - 1, first);
      },
    };
  });
});

describe('featgate audit verify usage', () => {
  it('exits 2 when the data dir does not exist', async () => {
    const outcome = await runFeatgate(['audit', 'verify', '--data-dir', join(root, 'missing')]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/does not exist/);
  });
});
