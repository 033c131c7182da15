import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Folder of FeatBit's real data files: FEATGATE_REFERENCE_DIR, else `../shared/featbit-reference` beside the checkout. */
export function referenceDir(): string {
  return process.env.FEATGATE_REFERENCE_DIR ?? fileURLToPath(new URL('../../../shared/featbit-reference/', import.meta.url));
}

/** Reads and parses one of FeatBit's reference JSON files. */
export function readReference(name: string): unknown {
  return JSON.parse(readFileSync(join(referenceDir(), name), 'utf8'));
}
