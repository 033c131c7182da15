import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Folder of FeatBit's real data files, kept in the repository so a plain clone runs every test (see its README). */
export function referenceDir(): string {
  return fileURLToPath(new URL('../fixtures/featbit-reference/', import.meta.url));
}

/** Reads and parses one of FeatBit's reference JSON files. */
export function readReference(name: string): unknown {
  return JSON.parse(readFileSync(join(referenceDir(), name), 'utf8'));
}
