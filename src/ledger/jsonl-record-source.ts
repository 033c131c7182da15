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
    records: () => readLines(files.ledger),
  };
}

const NEWLINE = 0x0a;

async function* readLines(path: string): AsyncGenerator<LedgerRecord> {
  if (!(await exists(path))) return;
  let carried: Buffer[] = [];
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let start = 0;
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
