import { join } from 'node:path';
import { readOrCreateSecretFile } from '../secret-file/index.js';

/**
 * Where a secret featgate generates for itself (the manifest signing key, the redaction key) is kept, so that
 * every process that must agree on it reads the same text.
 */
export interface GeneratedSecretStore {
  /** The secret named `name`: read when it exists, else created with `create()`; a concurrent creator's text wins. */
  readOrCreate(name: string, create: () => Promise<string> | string): Promise<string>;
  /** Where the secret named `name` lives, for error messages (never its content). */
  locationOf(name: string): string;
}

/** Keeps each generated secret as a file of the data folder (mode 0600): enough for one process, or several sharing the folder. */
export function dataDirSecretStore(dataDir: string): GeneratedSecretStore {
  return {
    readOrCreate: (name, create) => readOrCreateSecretFile(join(dataDir, name), create),
    locationOf: (name) => join(dataDir, name),
  };
}
