import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The text of a secret kept in a file of the data folder (a generated key): read when it exists, else created with
 * `create()` and written with mode 0600 (its folder 0700). When another process creates it at the same moment,
 * that process's text wins, so every instance sharing the folder uses one secret.
 */
export async function readOrCreateSecretFile(file: string, create: () => Promise<string> | string): Promise<string> {
  const existing = await readSecretFileIfPresent(file);
  if (existing !== undefined) return existing;
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const text = await create();
  try {
    await writeFile(file, text, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readSecretFileIfPresent(file)) ?? text;
  }
  return text;
}

/** The text of a secret file, or undefined when there is none. */
export async function readSecretFileIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
