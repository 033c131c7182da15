import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { LedgerRecord, LedgerRecordSource } from './ledger-record-source.js';
import type { LedgerHead } from './ledger-store.js';
import { jsonlLedgerFiles, readHeadFile } from './jsonl-ledger-files.js';

/** Reads the embedded ledger under `dataDir` without locking it, so it can be verified while the service runs. */
export function jsonlRecordSource(dataDir: string): LedgerRecordSource {
  const files = jsonlLedgerFiles(dataDir);
  return {
    location: files.ledger,
    readAnchor: (): Promise<LedgerHead | undefined> => readHeadFile(files.head),
    records: () => readLines(files.ledger, 0, 0),
    recordsFrom: (seq, offset) =>
      offset === undefined ? readLines(files.ledger, 0, seq - 1) : readLines(files.ledger, offset, 0),
  };
}

const NEWLINE = 0x0a;

/** Yields the lines from byte `offset` on, after skipping `skip` whole lines (counted, never decoded). */
async function* readLines(path: string, offset: number, skip: number): AsyncGenerator<LedgerRecord> {
  if (!(await exists(path))) return;
  let carried: Buffer[] = [];
  let skipping = skip;
  for await (const chunk of createReadStream(path, {
    highWaterMark: 1 << 20,
    start: offset,
  }) as AsyncIterable<Buffer>) {
    let start = 0;
    while (skipping > 0) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) break;
      skipping -= 1;
      start = end + 1;
    }
    if (skipping > 0) continue;
    for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, end);
      const line = carried.length > 0 ? Buffer.concat([...carried, piece]) : piece;
      carried = [];
      yield { text: line.toString('utf8'), complete: true };
      start = end + 1;
    }
    if (start < chunk.length) carried.push(chunk.subarray(start));
  }
  if (carried.length > 0) yield { text: Buffer.concat(carried).toString('utf8'), complete: false };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
