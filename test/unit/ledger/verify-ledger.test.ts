import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ActorKind,
  buildEntries,
  hashEntry,
  jsonlLedgerFiles,
  jsonlRecordSource,
  serializeEntry,
  TamperKind,
  verifyLedger,
  type LedgerEntry,
  type LedgerHead,
  type LedgerRecordSource,
} from '../../../src/ledger/index.js';

const entries: LedgerEntry[] = buildEntries(
  Array.from({ length: 6 }, (_, index) => ({
    type: 'change.edited',
    actor: { id: `user-${index}`, kind: ActorKind.User, roles: ['requester'] },
    subject: `change:CH-${index + 1}`,
    data: { step: index + 1, note: 'prompt für “gpt”', weights: [0.25, 0.75], nested: { ok: true, none: null } },
  })),
  undefined,
  new Date('2025-03-04T05:06:07.000Z'),
);
const lines = entries.map(serializeEntry);
const anchorOf = (entry: LedgerEntry): LedgerHead => ({ seq: entry.seq, hash: entry.hash });
const fullAnchor = anchorOf(entries[entries.length - 1]!);

function source(
  texts: readonly string[],
  anchor: LedgerHead | null = fullAnchor,
  tornTail?: string,
): LedgerRecordSource {
  return {
    location: 'memory',
    readAnchor: async () => anchor ?? undefined,
    async *records() {
      for (const text of texts) yield { text, complete: true };
      if (tornTail !== undefined) yield { text: tornTail, complete: false };
    },
    async *recordsFrom(seq: number) {
      for (const text of texts.slice(seq - 1)) yield { text, complete: true };
      if (tornTail !== undefined) yield { text: tornTail, complete: false };
    },
  };
}

const problemOf = async (records: LedgerRecordSource) => {
  const result = await verifyLedger(records);
  return result.ok ? undefined : { seq: result.problem.seq, kind: result.problem.kind };
};

const root = mkdtempSync(join(tmpdir(), 'featgate-verify-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('verifyLedger', () => {
  it('accepts an intact chain and reports its length and head', async () => {
    expect(await verifyLedger(source(lines))).toEqual({ ok: true, entries: 6, head: fullAnchor.hash, tornTail: false });
  });

  it('names the seq of the line that holds any single edited byte, as edited', async () => {
    const dataDir = join(root, 'byte-edits');
    const files = jsonlLedgerFiles(dataDir);
    const text = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
    const lineOfByte: number[] = [];
    let seq = 1;
    for (const byte of text) {
      lineOfByte.push(seq);
      if (byte === 0x0a) seq += 1;
    }
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(files.head, JSON.stringify(fullAnchor));
    await fc.assert(
      fc.asyncProperty(fc.nat(text.length - 1), fc.integer({ min: 1, max: 255 }), async (position, delta) => {
        const edited = Buffer.from(text);
        edited[position] = (edited[position]! + delta) % 256;
        writeFileSync(files.ledger, edited);
        expect(await problemOf(jsonlRecordSource(dataDir))).toEqual({
          seq: lineOfByte[position],
          kind: TamperKind.Edited,
        });
      }),
      { numRuns: 300 },
    );
  });

  it('says hash mismatch when content changed but the line is still valid JSON', async () => {
    const changed = [...lines];
    changed[2] = changed[2]!.replace('"step":3', '"step":4');
    const result = await verifyLedger(source(changed));
    expect(result).toMatchObject({
      ok: false,
      entries: 2,
      problem: { seq: 3, kind: TamperKind.Edited, detail: 'hash mismatch' },
    });
  });

  it('names a deleted entry as deleted, wherever it was', async () => {
    const without = (seq: number) => lines.filter((_, index) => index !== seq - 1);
    expect(await problemOf(source(without(1)))).toEqual({ seq: 1, kind: TamperKind.Deleted });
    expect(await problemOf(source(without(4)))).toEqual({ seq: 4, kind: TamperKind.Deleted });
    expect(await problemOf(source(without(6)))).toEqual({ seq: 6, kind: TamperKind.Deleted });
    const twoGone = await verifyLedger(source([...lines.slice(0, 2), ...lines.slice(4)]));
    expect(twoGone).toMatchObject({
      ok: false,
      problem: { seq: 3, kind: TamperKind.Deleted, detail: 'seq 3 to 4 are missing' },
    });
  });

  it('names the first seq out of place when two entries are swapped, as reordered', async () => {
    const swap = (a: number, b: number) => {
      const copy = [...lines];
      [copy[a - 1], copy[b - 1]] = [copy[b - 1]!, copy[a - 1]!];
      return copy;
    };
    expect(await problemOf(source(swap(2, 3)))).toEqual({ seq: 2, kind: TamperKind.Reordered });
    expect(await problemOf(source(swap(1, 6)))).toEqual({ seq: 1, kind: TamperKind.Reordered });
    expect(await problemOf(source(swap(5, 6)))).toEqual({ seq: 5, kind: TamperKind.Reordered });
  });

  it('treats a repeated entry as reordered', async () => {
    expect(await problemOf(source([...lines.slice(0, 4), lines[2]!, ...lines.slice(4)]))).toEqual({
      seq: 5,
      kind: TamperKind.Reordered,
    });
  });

  it('catches an entry rewritten with a freshly computed hash through the broken link or the anchor', async () => {
    const rewrite = (entry: LedgerEntry) => {
      const forged = { ...entry, data: { ...entry.data, step: 99 } };
      return serializeEntry({ ...forged, hash: hashEntry(forged) });
    };
    const middle = [...lines];
    middle[2] = rewrite(entries[2]!);
    expect(await verifyLedger(source(middle))).toMatchObject({
      ok: false,
      problem: { seq: 4, kind: TamperKind.Edited, detail: 'prevHash does not match the hash of seq 3' },
    });
    const last = [...lines];
    last[5] = rewrite(entries[5]!);
    expect(await problemOf(source(last))).toEqual({ seq: 6, kind: TamperKind.Edited });
  });

  it('ignores a torn trailing fragment the anchor does not cover, and flags one it covers', async () => {
    expect(await verifyLedger(source(lines.slice(0, 5), anchorOf(entries[4]!), '{"seq":6,"ty'))).toMatchObject({
      ok: true,
      entries: 5,
      tornTail: true,
    });
    expect(await problemOf(source(lines.slice(0, 5), fullAnchor, lines[5]))).toEqual({
      seq: 6,
      kind: TamperKind.Edited,
    });
  });

  it('accepts an anchor one append behind, but not a missing anchor once there are two entries', async () => {
    expect(await verifyLedger(source(lines, anchorOf(entries[4]!)))).toMatchObject({ ok: true, entries: 6 });
    expect(await verifyLedger(source(lines.slice(0, 1), null))).toMatchObject({ ok: true, entries: 1 });
    expect(await problemOf(source(lines, null))).toEqual({ seq: 7, kind: TamperKind.Deleted });
  });
});
