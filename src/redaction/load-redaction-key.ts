import { dataDirSecretStore, type GeneratedSecretStore } from '../generated-secret/index.js';
import { newRedactionKeyText, redactionKeyFromText, type RedactionKey } from './redaction-key.js';

/** Where the redaction key comes from: configured text, else a key file kept in the data folder. */
export interface RedactionKeyOptions {
  /** The key text (`FEATGATE_REDACTION_KEY`); every process sharing one Redis must be given the same one. */
  readonly configuredKey?: string;
  /** Folder where a generated key is kept as `redaction-key` (mode 0600). */
  readonly dataDir: string;
  /** Where a generated key is kept instead of the data folder: Redis, so every process on it hashes alike. */
  readonly store?: GeneratedSecretStore;
}

/** File name of the generated key inside the data folder. */
export const REDACTION_KEY_FILE = 'redaction-key';

/**
 * Loads the redaction key: the configured one when given, else the one kept in `store` (the data folder by default),
 * generating and keeping a new one on first start. Throws ConfigError, without key material, when it is unusable.
 */
export async function loadOrCreateRedactionKey(options: RedactionKeyOptions): Promise<RedactionKey> {
  if (options.configuredKey) return redactionKeyFromText(options.configuredKey, 'FEATGATE_REDACTION_KEY');
  const store = options.store ?? dataDirSecretStore(options.dataDir);
  const text = await store.readOrCreate(REDACTION_KEY_FILE, () => `${newRedactionKeyText()}\n`);
  return redactionKeyFromText(text, store.locationOf(REDACTION_KEY_FILE));
}
