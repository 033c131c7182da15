import { open, readFile, rename, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { LedgerHead } from './ledger-store.js';
import { z } from 'zod';
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

/** The head anchor as the embedded store keeps it: the head, and where its line ends in the file (a hint, checked on open). */
export interface HeadAnchor extends LedgerHead {
  /** As the head file's schema reads it back: present as undefined is absent. */
  readonly end?: number | undefined;
}

const headAnchorSchema = ledgerHeadSchema.extend({ end: z.number().int().positive().optional() });

/** Reads the head anchor; undefined when it is missing or unreadable. */
export async function readHeadFile(path: string): Promise<HeadAnchor | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const result = headAnchorSchema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** Size of the head anchor record: JSON padded with spaces, so rewriting it in place never leaves old bytes. */
const HEAD_RECORD_BYTES = 128;

function headRecord(head: HeadAnchor): Buffer {
  const record = { seq: head.seq, hash: head.hash, ...(head.end === undefined ? {} : { end: head.end }) };
  return Buffer.from(`${JSON.stringify(record).padEnd(HEAD_RECORD_BYTES - 1)}\n`, 'utf8');
}

/** Replaces the head anchor atomically (write a temp file, then rename over the old one). */
export async function writeHeadFile(path: string, head: HeadAnchor): Promise<void> {
  const temp = `${path}.tmp`;
  await writeFile(temp, headRecord(head), { mode: 0o600 });
  await rename(temp, path);
}

/**
 * The head anchor kept open while the store runs and overwritten in place after each append: one small
 * positional write, no rename (which would force a flush on ext4). It may lag the ledger after a crash,
 * which verification and the next open accept.
 */
export class HeadAnchorFile {
  private constructor(private readonly handle: FileHandle) {}

  /**
   * Opens the anchor at `path` for in-place updates. `head` is the verified current head: an anchor file not in
   * the fixed-size form is first rewritten atomically with it, so in-place writes never leave stray bytes.
   */
  static async open(path: string, head: HeadAnchor | undefined): Promise<HeadAnchorFile> {
    const handle = await open(path, 'r+').catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      return open(path, 'w+', 0o600);
    });
    if (head && (await handle.stat()).size !== HEAD_RECORD_BYTES) {
      await handle.close();
      await writeHeadFile(path, head);
      return new HeadAnchorFile(await open(path, 'r+'));
    }
    return new HeadAnchorFile(handle);
  }

  /** Overwrites the anchor with `head` (and the offset where its line ends). */
  async write(head: HeadAnchor): Promise<void> {
    const record = headRecord(head);
    await this.handle.write(record, 0, record.length, 0);
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.handle.close();
  }
}
