import { mkdtemp, open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../../../src/errors/index.js';
import { JsonlLineOffsets } from '../../../src/ledger/jsonl-line-offsets.js';

/** Lines of any length (none holds a newline), some longer than the scan chunk. */
const linesArbitrary = fc.array(fc.string({ unit: fc.constantFrom('a', 'é', '{', '"', ' '), maxLength: 40 }), {
  minLength: 1,
  maxLength: 30,
});

describe('line offsets found backward from a pivot', () => {
  it('are exactly the offsets a forward scan of the whole file gives, whatever the pivot, chunk size and read order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'featgate-offsets-'));
    await fc.assert(
      fc.asyncProperty(
        linesArbitrary,
        fc.nat(),
        fc.integer({ min: 1, max: 16 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
        async (lines, pivotSeed, chunk, reads) => {
          const path = join(dir, 'ledger.jsonl');
          const bytes = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
          await writeFile(path, bytes);
          const starts: number[] = [];
          for (let at = 0, start = 0; at < bytes.length; at += 1) {
            if (bytes[at] === 0x0a) {
              starts.push(start);
              start = at + 1;
            }
          }
          const pivot = 1 + (pivotSeed % lines.length);
          const boundary = pivot < lines.length ? starts[pivot]! : bytes.length;
          const handle = await open(path, 'r');
          try {
            const offsets = new JsonlLineOffsets(handle, path, pivot, boundary, starts.slice(pivot), chunk);
            expect(offsets.count).toBe(lines.length);
            for (const read of reads) {
              const seq = 1 + (read % lines.length);
              expect(await offsets.startOf(seq)).toBe(starts[seq - 1]);
            }
            for (let seq = lines.length; seq >= 1; seq -= 1) expect(await offsets.startOf(seq)).toBe(starts[seq - 1]);
          } finally {
            await handle.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses a file holding fewer lines before the pivot than its head anchor names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'featgate-offsets-'));
    const path = join(dir, 'ledger.jsonl');
    await writeFile(path, 'one\ntwo\n');
    const handle = await open(path, 'r');
    try {
      const offsets = new JsonlLineOffsets(handle, path, 3, 8, [], 4);
      await expect(offsets.startOf(1)).rejects.toBeInstanceOf(IntegrityError);
    } finally {
      await handle.close();
    }
  });
});
