import { readFile } from 'node:fs/promises';
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import type { ManifestListener, ManifestSource } from '../core/manifest-source.js';

/** A manifest JWS kept in a file (e.g. mounted from a secret or config map), re-read whenever it changes. */
export class FileManifestSource implements ManifestSource {
  private listener: ManifestListener | undefined;
  private readonly onChange = (current: Stats, previous: Stats): void => {
    if (current.mtimeMs !== previous.mtimeMs || current.size !== previous.size) void this.read();
  };

  /**
   * @param path file holding one compact JWS
   * @param intervalMs how often the file is checked for changes (stat polling survives atomic renames). Default 1 s.
   */
  constructor(
    private readonly path: string,
    private readonly intervalMs = 1_000,
  ) {}

  /** Reads the file once, then watches it. */
  async start(listener: ManifestListener): Promise<void> {
    this.stop();
    this.listener = listener;
    watchFile(this.path, { interval: this.intervalMs, persistent: false }, this.onChange);
    await this.read();
  }

  /** Stops watching. */
  stop(): void {
    unwatchFile(this.path, this.onChange);
    this.listener = undefined;
  }

  private async read(): Promise<void> {
    const listener = this.listener;
    if (!listener) return;
    try {
      const jws = (await readFile(this.path, 'utf8')).trim();
      if (jws) await listener.manifest(jws);
    } catch (error) {
      listener.error(error);
    }
  }
}
