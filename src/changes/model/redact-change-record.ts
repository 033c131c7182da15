import { redactSecrets, type RedactionKey, type SecretKeyMatcher } from '../../redaction/index.js';
import type { ChangeRecord, ChangedFlag } from './change-record.js';

/**
 * Redacts the baseline, candidate and rollback value of every flag of a change record with the installation's
 * redaction key (see `redactSecrets`); the rest of the record is kept as written.
 */
export function redactChangeRecord(
  record: ChangeRecord,
  isSecretKey: SecretKeyMatcher,
  key: RedactionKey,
): ChangeRecord {
  return { ...record, flags: record.flags.map((flag) => redactFlagValues(flag, isSecretKey, key)) };
}

function redactFlagValues(flag: ChangedFlag, isSecretKey: SecretKeyMatcher, key: RedactionKey): ChangedFlag {
  const redacted: ChangedFlag = {
    ...flag,
    baseline: redactSecrets(flag.baseline, isSecretKey, key),
    candidate: redactSecrets(flag.candidate, isSecretKey, key),
  };
  if (flag.rollbackValue !== undefined) redacted.rollbackValue = redactSecrets(flag.rollbackValue, isSecretKey, key);
  if (flag.servedValues !== undefined)
    redacted.servedValues = flag.servedValues.map((value) => redactSecrets(value, isSecretKey, key));
  return redacted;
}
