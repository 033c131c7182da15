import type { FileHandle } from 'node:fs/promises';

/** Byte positions of the complete lines of the embedded ledger file. */
export interface JsonlLineIndex {
  /** Start offset of each complete line; line i holds seq i + 1. */
  readonly starts: number[];
  /** Offset just after the last line end; bytes beyond it are a torn fragment. */
  readonly completeEnd: number;
  readonly size: number;
}

const NEWLINE = 0x0a;
const CHUNK = 1 << 20;

/** Scans the file from byte `from` (a line start) to find where each line starts, so reads can seek straight to a seq. */
export async function indexLines(handle: FileHandle, from = 0): Promise<JsonlLineIndex> {
  const starts: number[] = [];
  const buffer = Buffer.allocUnsafe(CHUNK);
  let position = from;
  let lineStart = from;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, CHUNK, position);
    if (bytesRead === 0) break;
    for (let at = buffer.indexOf(NEWLINE, 0); at !== -1 && at < bytesRead; at = buffer.indexOf(NEWLINE, at + 1)) {
      starts.push(lineStart);
      lineStart = position + at + 1;
    }
    position += bytesRead;
  }
  return { starts, completeEnd: lineStart, size: position };
}

/** Reads bytes [from, to) of the file. */
export async function readRange(handle: FileHandle, from: number, to: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(to - from);
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, from + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}
