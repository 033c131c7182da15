import { chmod, mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { IntegrityError } from '../errors/index.js';
import { silentLogger, type Logger } from '../logging/index.js';
import { buildEntries, serializeEntry } from './build-entry.js';
import { FileLock } from './file-lock.js';
import {
  HeadAnchorFile,
  jsonlLedgerFiles,
  readHeadFile,
  writeHeadFile,
  type JsonlLedgerFiles,
} from './jsonl-ledger-files.js';
import { indexLines, readRange, type JsonlLineIndex } from './jsonl-line-index.js';
import { JsonlLineOffsets } from './jsonl-line-offsets.js';
import { jsonlRecordSource } from './jsonl-record-source.js';
import type { LedgerAppend, LedgerEntry } from './ledger-entry.js';
import type { LedgerHead } from './ledger-store.js';
import type { LedgerVerification } from './ledger-verification.js';
import { parseStoredEntry } from './parse-stored-entry.js';
import { QueuedLedgerStore, type WrittenBatch } from './queued-ledger-store.js';
import { checkReadAfterArguments, checkReadSeqsArguments } from './read-after-arguments.js';
import { verifyLedger } from './verify-ledger.js';

/** Options of the embedded store. */
export interface JsonlLedgerOptions {
  /** Folder holding `ledger.jsonl`, its head anchor and its lock; created when missing. */
  readonly dataDir: string;
  /** Where the store reports; silent when absent or undefined (a deployment's optional logger forwarded). */
  readonly logger?: Logger | undefined;
}

/**
 * The embedded ledger: one JSON entry per line in `<dataDir>/ledger.jsonl`, each batch written and fsynced
 * before `append` resolves, then the head anchor rewritten. Single-process: a lock file keeps other processes out.
 * On open a torn last line from a crash is dropped and logged; any other inconsistency refuses to open, so new
 * entries never paper over a deletion.
 */
export class JsonlLedgerStore extends QueuedLedgerStore {
  private failure: Error | undefined;

  private constructor(
    private readonly dataDir: string,
    private readonly files: JsonlLedgerFiles,
    private readonly handle: FileHandle,
    private readonly anchor: HeadAnchorFile,
    private readonly lock: FileLock,
    private readonly offsets: JsonlLineOffsets,
    private size: number,
    private currentHead: LedgerHead | undefined,
    private readonly logger: Logger,
  ) {
    super();
  }

  /** Opens (creating when needed) the ledger under `dataDir`, taking the single-process lock. */
  static async open(options: JsonlLedgerOptions): Promise<JsonlLedgerStore> {
    const logger = options.logger ?? silentLogger;
    const files = jsonlLedgerFiles(options.dataDir);
    // the data folder and the ledger are the service's alone: 0700 and 0600 (never readable by other local users)
    await mkdir(dirname(files.ledger), { recursive: true, mode: 0o700 });
    await chmod(dirname(files.ledger), 0o700).catch(() => undefined);
    const lock = await FileLock.acquire(files.lock, `ledger ${files.ledger}`);
    try {
      const handle = await open(files.ledger, 'a+', 0o600);
      try {
        await handle.chmod(0o600);
        const fast = await openFromAnchor(handle, files, logger);
        if (fast) {
          const anchor = await HeadAnchorFile.open(files.head, { ...fast.head, end: fast.size });
          return new JsonlLedgerStore(
            options.dataDir,
            files,
            handle,
            anchor,
            lock,
            fast.offsets,
            fast.size,
            fast.head,
            logger,
          );
        }
        const index = await dropTornTail(handle, files, await indexLines(handle), logger);
        const head = await checkHeadAndAnchor(handle, files, index, logger);
        // from now on the anchor says where its line ends, so the next open reads only what follows it
        if (head && (await readHeadFile(files.head))?.end !== index.completeEnd)
          await writeHeadFile(files.head, { ...head, end: index.completeEnd });
        const anchor = await HeadAnchorFile.open(files.head, head && { ...head, end: index.completeEnd });
        const offsets = new JsonlLineOffsets(handle, files.ledger, 0, 0, index.starts);
        return new JsonlLedgerStore(
          options.dataDir,
          files,
          handle,
          anchor,
          lock,
          offsets,
          index.completeEnd,
          head,
          logger,
        );
      } catch (error) {
        await handle.close();
        throw error;
      }
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** Entries after `afterSeq`, read straight from the file by offset and checked against their hashes. */
  async readAfter(afterSeq: number, limit?: number): Promise<LedgerEntry[]> {
    checkReadAfterArguments(afterSeq, limit);
    const count = this.offsets.count;
    if (afterSeq >= count) return [];
    const last = limit === undefined ? count : Math.min(count, afterSeq + limit);
    const to = last < count ? await this.offsets.startOf(last + 1) : this.size;
    const bytes = await readRange(this.handle, await this.offsets.startOf(afterSeq + 1), to);
    const lines = bytes.toString('utf8').split('\n');
    return lines
      .slice(0, last - afterSeq)
      .map((line, index) => this.recent.read(line, afterSeq + index + 1, this.files.ledger));
  }

  /** Entries by seq, each line read straight from the file by offset and checked against its hash. */
  async readSeqs(seqs: readonly number[]): Promise<LedgerEntry[]> {
    checkReadSeqsArguments(seqs);
    const count = this.offsets.count;
    const entries: LedgerEntry[] = [];
    for (const seq of seqs) {
      if (seq > count) break;
      const to = seq < count ? (await this.offsets.startOf(seq + 1)) - 1 : this.size - 1;
      const line = (await readRange(this.handle, await this.offsets.startOf(seq), to)).toString('utf8');
      entries.push(this.recent.read(line, seq, this.files.ledger));
    }
    return entries;
  }

  /** The last committed entry's seq and hash. */
  async head(): Promise<LedgerHead | undefined> {
    return this.currentHead;
  }

  /** Where entry `seq` starts in the file (a hint a signed ledger base keeps, so verification from it seeks there). */
  async locate(seq: number): Promise<number | undefined> {
    return seq >= 1 && seq <= this.offsets.count ? this.offsets.startOf(seq) : undefined;
  }

  /** Verifies the file as `featgate audit verify` does. */
  verify(): Promise<LedgerVerification> {
    return verifyLedger(jsonlRecordSource(this.dataDir));
  }

  /** Closes the file and releases the lock. */
  protected async release(): Promise<void> {
    await this.anchor.close();
    await this.handle.close();
    await this.lock.release();
  }

  /** Writes the batch and fsyncs it, then moves the head anchor. */
  protected async write(batch: readonly LedgerAppend[]): Promise<WrittenBatch> {
    if (this.failure) throw this.failure;
    const entries = buildEntries(batch, this.currentHead);
    const texts = entries.map(serializeEntry);
    const lines = texts.map((text) => Buffer.from(`${text}\n`, 'utf8'));
    const bytes = Buffer.concat(lines);
    try {
      await writeAll(this.handle, bytes);
      await this.handle.datasync();
    } catch (error) {
      await this.restoreAfterFailedWrite(error);
      throw error;
    }
    for (const line of lines) {
      this.offsets.push(this.size);
      this.size += line.length;
    }
    const last = entries[entries.length - 1]!;
    this.currentHead = { seq: last.seq, hash: last.hash };
    await this.anchor.write({ ...this.currentHead, end: this.size }).catch((error: unknown) => {
      this.logger.error({ err: error, file: this.files.head }, 'could not update the ledger head anchor');
    });
    return { entries, texts };
  }

  private async restoreAfterFailedWrite(cause: unknown): Promise<void> {
    try {
      await this.handle.truncate(this.size);
    } catch {
      this.failure = new IntegrityError(`${this.files.ledger}: a failed write could not be undone; reopen the store`, {
        cause,
      });
    }
  }
}

async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const result = await handle.write(bytes, written, bytes.length - written);
    written += result.bytesWritten;
  }
}

/** What opening from the head anchor found: the head, the line offsets and the size of the complete lines. */
interface AnchoredOpen {
  readonly head: LedgerHead;
  readonly offsets: JsonlLineOffsets;
  readonly size: number;
}

/**
 * Opens in time independent of the ledger's length when the head anchor says where its line ends: the line ending
 * there must be the anchored entry (its seq and hash), then only the lines after it (appended since, a torn one
 * dropped) are read. Lines before it are indexed when a read reaches them. Undefined when the anchor cannot be used
 * (no offset, or the file does not match it): the caller then scans the whole file.
 */
async function openFromAnchor(
  handle: FileHandle,
  files: JsonlLedgerFiles,
  logger: Logger,
): Promise<AnchoredOpen | undefined> {
  const anchor = await readHeadFile(files.head);
  if (!anchor || anchor.end === undefined || anchor.seq === 0) return undefined;
  const size = (await handle.stat()).size;
  if (anchor.end > size) return undefined;
  const lastByte = await readRange(handle, anchor.end - 1, anchor.end);
  if (lastByte[0] !== 0x0a) return undefined;
  const before = new JsonlLineOffsets(handle, files.ledger, anchor.seq, anchor.end, []);
  try {
    const start = await before.startOf(anchor.seq);
    const anchored = parseStoredEntry(
      (await readRange(handle, start, anchor.end - 1)).toString('utf8'),
      anchor.seq,
      files.ledger,
    );
    if (anchored.hash !== anchor.hash) return undefined;
  } catch {
    return undefined;
  }
  const tail = await dropTornTail(handle, files, await indexLines(handle, anchor.end), logger, anchor.seq);
  const offsets = new JsonlLineOffsets(handle, files.ledger, anchor.seq, anchor.end, tail.starts);
  let head: LedgerHead = { seq: anchor.seq, hash: anchor.hash };
  if (tail.starts.length > 0) {
    const seq = anchor.seq + tail.starts.length;
    const text = (await readRange(handle, tail.starts[tail.starts.length - 1]!, tail.completeEnd - 1)).toString('utf8');
    const entry = parseStoredEntry(text, seq, files.ledger);
    head = { seq: entry.seq, hash: entry.hash };
    await writeHeadFile(files.head, { ...head, end: tail.completeEnd });
    logger.info({ file: files.head, seq }, 'brought the ledger head anchor up to date');
  }
  return { head, offsets, size: tail.completeEnd };
}

async function dropTornTail(
  handle: FileHandle,
  files: JsonlLedgerFiles,
  index: JsonlLineIndex,
  logger: Logger,
  linesBefore = 0,
): Promise<JsonlLineIndex> {
  if (index.size === index.completeEnd) return index;
  const seq = linesBefore + index.starts.length + 1;
  const anchor = await readHeadFile(files.head);
  if (anchor && anchor.seq >= seq) {
    throw new IntegrityError(
      `${files.ledger}: seq ${seq} lost its line end although it was committed; run \`featgate audit verify\``,
    );
  }
  await handle.truncate(index.completeEnd);
  await handle.sync();
  logger.warn(
    { file: files.ledger, seq, droppedBytes: index.size - index.completeEnd },
    'dropped a torn last ledger line left by a crash',
  );
  return { ...index, size: index.completeEnd };
}

async function checkHeadAndAnchor(
  handle: FileHandle,
  files: JsonlLedgerFiles,
  index: JsonlLineIndex,
  logger: Logger,
): Promise<LedgerHead | undefined> {
  const count = index.starts.length;
  const refuse = (problem: string) => new IntegrityError(`${files.ledger}: ${problem}; run \`featgate audit verify\``);
  const readEntry = async (seq: number) => {
    const to = seq < count ? index.starts[seq]! : index.completeEnd;
    const bytes = await readRange(handle, index.starts[seq - 1]!, to - 1);
    return parseStoredEntry(bytes.toString('utf8'), seq, files.ledger);
  };
  const head = count === 0 ? undefined : await readEntry(count).then((entry) => ({ seq: entry.seq, hash: entry.hash }));
  const anchor = await readHeadFile(files.head);
  if (!anchor) {
    if (count > 1) throw refuse(`the head anchor ${files.head} is missing`);
  } else {
    if (anchor.seq > count) throw refuse(`the file ends at seq ${count} but the head anchor names seq ${anchor.seq}`);
    if (anchor.seq > 0 && (await readEntry(anchor.seq)).hash !== anchor.hash) {
      throw refuse(`seq ${anchor.seq} differs from the head anchor`);
    }
  }
  if (head && (!anchor || anchor.seq < head.seq)) {
    await writeHeadFile(files.head, head);
    logger.info({ file: files.head, seq: head.seq }, 'brought the ledger head anchor up to date');
  }
  return head;
}
