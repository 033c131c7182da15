import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ChangeStatus, parseChangeRecord, type ChangeRecord } from '../../../src/changes/model/index.js';
import type { LoadedChangeRecordState } from '../../../src/changes/projection/index.js';

/** The high-tier example change record, with stages, guardrails and cleanup adjusted by `patch`. */
export function exampleRecord(patch: (record: ChangeRecord) => ChangeRecord = (record) => record): ChangeRecord {
  const text = readFileSync(
    fileURLToPath(new URL('../../../policies/examples/high-model-provider-change.yaml', import.meta.url)),
    'utf8',
  );
  return patch(parseChangeRecord(text));
}

/** A change-record state as the projection would hold it, with its full record loaded. */
export function changeState(
  record: ChangeRecord,
  fields: Partial<LoadedChangeRecordState> = {},
): LoadedChangeRecordState {
  return {
    key: record.key,
    record,
    recordSeq: 1,
    status: ChangeStatus.Approved,
    revision: 1,
    reviews: [],
    supersededReviews: [],
    evidence: [],
    createdAt: '2026-03-01T09:00:00.000Z',
    createdBy: record.requester,
    updatedAt: '2026-03-01T09:00:00.000Z',
    lastSeq: 1,
    ...fields,
  };
}
