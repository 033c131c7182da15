import type { JsonValue } from '../../canonical/index.js';
import { canonicalJson, sha256Hex } from '../../canonical/index.js';
import type { ChangedFlag, ChangeRecord } from '../model/index.js';

/** A flag value kept out of the projection: its content hash (as `contentHash` computes it) and its size. */
export interface ValueRef {
  /** Lower-case hex SHA-256 of the value's canonical JSON. */
  readonly hash: string;
  /** UTF-8 bytes of the value's canonical JSON. */
  readonly bytes: number;
}

/** The values of one changed flag, by reference. */
export interface FlagValueRefs {
  readonly baseline: ValueRef;
  readonly candidate: ValueRef;
  readonly rollbackValue?: ValueRef;
  readonly servedValues?: readonly ValueRef[];
}

/** The fields of a changed flag that hold values; the outline keeps them as references only. */
export type FlagValueField = 'baseline' | 'candidate' | 'rollbackValue' | 'servedValues';

/** One changed flag as the projection keeps it: everything but its values, which are references. */
export type ChangedFlagOutline = Omit<ChangedFlag, FlagValueField> & { readonly values: FlagValueRefs };

/**
 * A change record as the projection keeps it: every field the current state needs (plan, audiences, authors,
 * evidence, metadata) with each flag value replaced by its hash and size, so the projection's memory does not grow
 * with the size of stored values. The full record is read back from the ledger entry that wrote it.
 */
export type ChangeRecordOutline = Omit<ChangeRecord, 'flags'> & { flags: ChangedFlagOutline[] };

/** A changed flag without its values: what both a full flag and its outline hold. */
export type ChangedFlagFields = Omit<ChangedFlag, FlagValueField>;

/** A change record's fields but its values: what code that never reads a value takes, a full record or an outline. */
export type ChangeRecordFields = Omit<ChangeRecord, 'flags'> & { readonly flags: readonly ChangedFlagFields[] };

/** The reference of one value. */
export function valueRef(value: JsonValue): ValueRef {
  const text = canonicalJson(value);
  return { hash: sha256Hex(text), bytes: Buffer.byteLength(text, 'utf8') };
}

function outlineFlag(flag: ChangedFlag): ChangedFlagOutline {
  const { baseline, candidate, rollbackValue, servedValues, ...rest } = flag;
  const values: FlagValueRefs = {
    baseline: valueRef(baseline),
    candidate: valueRef(candidate),
    ...(rollbackValue === undefined ? {} : { rollbackValue: valueRef(rollbackValue) }),
    ...(servedValues === undefined ? {} : { servedValues: servedValues.map(valueRef) }),
  };
  return { ...rest, values };
}

/** The outline of a record (pure; the record is untouched). */
export function outlineChangeRecord(record: ChangeRecord): ChangeRecordOutline {
  return { ...record, flags: record.flags.map(outlineFlag) };
}

/** Whether `record` is the record `outline` was made of: same fields, values with the same hashes. */
export function matchesOutline(record: ChangeRecord, outline: ChangeRecordOutline): boolean {
  return canonicalJson(outlineChangeRecord(record)) === canonicalJson(outline);
}
