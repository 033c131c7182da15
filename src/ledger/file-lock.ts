import { randomUUID } from 'node:crypto';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { ConflictError } from '../errors/index.js';

/**
 * An exclusive lock held by one live process: a file holding the owner's pid, created atomically with its
 * content (hard link of a finished temp file). A lock left by a dead process is taken over.
 */
export class FileLock {
  private released = false;

  private constructor(readonly path: string) {}

  /** Takes the lock at `path`, or fails with a ConflictError naming the live process that holds it. */
  static async acquire(path: string, what = path): Promise<FileLock> {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      if (await tryCreate(path)) return new FileLock(path);
      const owner = await readOwner(path);
      if (owner !== undefined && isAlive(owner)) {
        const who = owner === process.pid ? 'this process (it is already open)' : `process ${owner}`;
        throw new ConflictError(`${what} is locked by ${who}; embedded mode allows one process`);
      }
      await unlink(path).catch(ignoreMissing);
    }
    throw new ConflictError(`${what} is locked by another process that just took it over`);
  }

  /** Releases the lock if this process still owns it. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if ((await readOwner(this.path)) === process.pid) await unlink(this.path).catch(ignoreMissing);
  }
}

async function tryCreate(path: string): Promise<boolean> {
  const temp = `${path}.${process.pid}.${randomUUID().slice(0, 8)}`;
  await writeFile(temp, `${process.pid}\n`, { mode: 0o600 });
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(ignoreMissing);
  }
}

async function readOwner(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
