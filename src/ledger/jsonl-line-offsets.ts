import type { FileHandle } from 'node:fs/promises';
import { IntegrityError } from '../errors/index.js';
import { readRange } from './jsonl-line-index.js';

const NEWLINE = 0x0a;
const CHUNK = 1 << 20;

/**
 * Where each line of the embedded ledger starts, known from a pivot on: lines after the pivot (the tail found on
 * open and every append) are indexed forward; lines up to the pivot are found on demand by scanning backward from
 * it, one chunk at a time, only as far as a read reaches. Opening a long ledger then costs its tail, not its length,
 * and memory grows with what was read, not with history.
 */
export class JsonlLineOffsets {
  /** Start of seq `pivot - i` at index i, found scanning backward. */
  private readonly backward: number[] = [];
  /** Start of seq `pivot + 1 + i` at index i. */
  private readonly forward: number[];
  /** The bytes [0, scanEnd) are not scanned yet; -1 once the first line is found. */
  private scanEnd: number;

  /**
   * `pivot` lines end exactly at byte `boundary` (0 and 0 for a full forward index); `forward` holds the starts of
   * the lines after it; `chunk` is how many bytes one backward scan reads.
   */
  constructor(
    private readonly handle: FileHandle,
    private readonly location: string,
    private readonly pivot: number,
    boundary: number,
    forward: readonly number[],
    private readonly chunk = CHUNK,
  ) {
    this.forward = [...forward];
    this.scanEnd = boundary - 1;
  }

  /** How many complete lines the file holds. */
  get count(): number {
    return this.pivot + this.forward.length;
  }

  /** Records that a line starting at `offset` was appended. */
  push(offset: number): void {
    this.forward.push(offset);
  }

  /** Byte offset where seq `seq` (1..count) starts. */
  async startOf(seq: number): Promise<number> {
    if (seq > this.pivot) return this.forward[seq - this.pivot - 1]!;
    while (this.pivot - this.backward.length >= seq) await this.scanBack();
    return this.backward[this.pivot - seq]!;
  }

  /** Scans one chunk back from the lowest known line, adding the starts of the lines it finds. */
  private async scanBack(): Promise<void> {
    if (this.scanEnd < 0) throw this.missing();
    const from = Math.max(0, this.scanEnd - this.chunk);
    const bytes = await readRange(this.handle, from, this.scanEnd);
    for (
      let at = bytes.lastIndexOf(NEWLINE);
      at !== -1 && this.pivot > this.backward.length;
      at = at === 0 ? -1 : bytes.lastIndexOf(NEWLINE, at - 1)
    ) {
      this.backward.push(from + at + 1);
      this.scanEnd = from + at;
    }
    if (this.pivot === this.backward.length) return;
    this.scanEnd = from;
    if (from === 0) {
      // no newline left before it: the lowest line starts the file, which must then be seq 1
      this.backward.push(0);
      this.scanEnd = -1;
      if (this.pivot !== this.backward.length) throw this.missing();
      return;
    }
    // every newline of the chunk is used: the lowest line starts before it, so the next scan goes on back from `from`
  }

  private missing(): IntegrityError {
    return new IntegrityError(
      `${this.location}: the file does not hold the ${this.pivot} lines its head anchor names; run \`featgate audit verify\``,
    );
  }
}
