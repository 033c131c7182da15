import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseManifestMark, type ManifestHighWaterMark, type ManifestMark } from '../core/manifest-high-water-mark.js';

/** A high-water mark kept in a small JSON file (mode 0600, folder 0700), replaced atomically on every save. */
export class FileHighWaterMark implements ManifestHighWaterMark {
  constructor(private readonly path: string) {}

  async load(): Promise<ManifestMark | undefined> {
    return parseManifestMark(await readFile(this.path, 'utf8').catch(() => undefined));
  }

  async save(mark: ManifestMark): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temp = `${this.path}.tmp`;
    await writeFile(temp, `${JSON.stringify(mark)}\n`, { mode: 0o600 });
    await rename(temp, this.path);
  }
}
