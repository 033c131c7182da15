import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LedgerHead } from './ledger-store.js';
import { ledgerHeadSchema } from './ledger-schema.js';

/** Where the embedded ledger keeps its files inside the data dir. */
export interface JsonlLedgerFiles {
  /** One JSON entry per line. */
  readonly ledger: string;
  /** The head anchor `{seq, hash}`, rewritten after each append so deleting the last entries is detected. */
  readonly head: string;
  /** Holds the pid of the one process allowed to append. */
  readonly lock: string;
}

/** The embedded ledger's file paths under `dataDir`. */
export function jsonlLedgerFiles(dataDir: string): JsonlLedgerFiles {
  return {
    ledger: join(dataDir, 'ledger.jsonl'),
    head: join(dataDir, 'ledger.head.json'),
    lock: join(dataDir, 'ledger.lock'),
  };
}

/** Reads the head anchor; undefined when it is missing or unreadable. */
export async function readHeadFile(path: string): Promise<LedgerHead | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const result = ledgerHeadSchema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces the head anchor atomically (write a temp file, then rename over the old one). */
export async function writeHeadFile(path: string, head: LedgerHead): Promise<void> {
  const temp = `${path}.tmp`;
  await writeFile(temp, `${JSON.stringify({ seq: head.seq, hash: head.hash })}\n`);
  await rename(temp, path);
}
