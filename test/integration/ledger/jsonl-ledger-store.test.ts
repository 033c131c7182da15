import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ConflictError, IntegrityError } from '../../../src/errors/index.js';
import { JsonlLedgerStore, jsonlLedgerFiles } from '../../../src/ledger/index.js';
import { describeLedgerStoreContract, sampleAppend } from './ledger-store-contract.js';

const root = mkdtempSync(join(tmpdir(), 'featgate-ledger-'));
let dirs = 0;
const freshDir = () => join(root, `ledger-${(dirs += 1)}`);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describeLedgerStoreContract('JsonlLedgerStore', () => {
  const dataDir = freshDir();
  return { open: () => JsonlLedgerStore.open({ dataDir }) };
});

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function ledgerWith(count: number): Promise<string> {
  const dataDir = freshDir();
  const store = await JsonlLedgerStore.open({ dataDir });
  for (let index = 1; index <= count; index += 1) await store.append(sampleAppend(index));
  await store.close();
  return dataDir;
}

describe('JsonlLedgerStore on disk', () => {
  it('writes one JSON line per entry and a head anchor naming the last one and where its line ends', async () => {
    const dataDir = await ledgerWith(3);
    const files = jsonlLedgerFiles(dataDir);
    const lines = readFileSync(files.ledger, 'utf8').split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    const last = JSON.parse(lines[2]!) as { seq: number; hash: string };
    expect(JSON.parse(readFileSync(files.head, 'utf8'))).toEqual({
      seq: 3,
      hash: last.hash,
      end: readFileSync(files.ledger).length,
    });
  });

  it('drops a torn last line left by a crash, logs it, and keeps the chain before it valid', async () => {
    const dataDir = await ledgerWith(3);
    const files = jsonlLedgerFiles(dataDir);
    const before = readFileSync(files.ledger, 'utf8');
    appendFileSync(files.ledger, '{"seq":4,"type":"review.subm');
    const { logger, lines } = capturingLogger();
    const store = await JsonlLedgerStore.open({ dataDir, logger });
    try {
      expect(readFileSync(files.ledger, 'utf8')).toBe(before);
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 40, seq: 4, droppedBytes: 28, msg: expect.stringMatching(/torn/) }),
      );
      expect(await store.verify()).toMatchObject({ ok: true, entries: 3, tornTail: false });
      expect(await store.append(sampleAppend(4))).toMatchObject({ seq: 4 });
    } finally {
      await store.close();
    }
  });

  it('refuses to open when a committed last line lost its line end', async () => {
    const dataDir = await ledgerWith(3);
    const files = jsonlLedgerFiles(dataDir);
    writeFileSync(files.ledger, readFileSync(files.ledger, 'utf8').slice(0, -1));
    await expect(JsonlLedgerStore.open({ dataDir })).rejects.toThrow(IntegrityError);
  });

  it('refuses to open when the last entry was deleted, so new entries cannot hide the deletion', async () => {
    const dataDir = await ledgerWith(3);
    const files = jsonlLedgerFiles(dataDir);
    const lines = readFileSync(files.ledger, 'utf8').split('\n');
    writeFileSync(files.ledger, `${lines.slice(0, 2).join('\n')}\n`);
    await expect(JsonlLedgerStore.open({ dataDir })).rejects.toThrow(/ends at seq 2 but the head anchor names seq 3/);
  });

  it('brings a head anchor that lags one append behind up to date', async () => {
    const dataDir = await ledgerWith(3);
    const files = jsonlLedgerFiles(dataDir);
    const second = JSON.parse(readFileSync(files.ledger, 'utf8').split('\n')[1]!) as { hash: string };
    writeFileSync(files.head, JSON.stringify({ seq: 2, hash: second.hash }));
    const store = await JsonlLedgerStore.open({ dataDir });
    await store.close();
    expect(JSON.parse(readFileSync(files.head, 'utf8'))).toMatchObject({ seq: 3 });
  });

  it('lets one process at a time append: a live holder keeps others out', async () => {
    const dataDir = await ledgerWith(1);
    const store = await JsonlLedgerStore.open({ dataDir });
    try {
      await expect(JsonlLedgerStore.open({ dataDir })).rejects.toThrow(ConflictError);
    } finally {
      await store.close();
    }
    writeFileSync(jsonlLedgerFiles(dataDir).lock, `${process.ppid}\n`);
    await expect(JsonlLedgerStore.open({ dataDir })).rejects.toThrow(new RegExp(`locked by process ${process.ppid}`));
  });

  it('takes over a lock left by a process that no longer runs', async () => {
    const dataDir = await ledgerWith(1);
    writeFileSync(jsonlLedgerFiles(dataDir).lock, '2147483646\n');
    const store = await JsonlLedgerStore.open({ dataDir });
    try {
      expect(readFileSync(jsonlLedgerFiles(dataDir).lock, 'utf8').trim()).toBe(String(process.pid));
      expect(await store.append(sampleAppend(2))).toMatchObject({ seq: 2 });
    } finally {
      await store.close();
    }
  });
});
