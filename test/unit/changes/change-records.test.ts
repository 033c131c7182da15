import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ChangeStatus,
  EvidenceResult,
  EvidenceType,
  parseChangeRecord,
  redactChangeRecord,
  ReviewDecision,
} from '../../../src/changes/model/index.js';
import { ephemeralRedactionKey, secretKeyMatcher } from '../../../src/redaction/index.js';
import { ActorKind, LedgerEventType, type LedgerEntry } from '../../../src/ledger/index.js';
import { applyChangeEntry, EMPTY_CHANGE_RECORDS, foldChangeRecords } from '../../../src/changes/projection/index.js';
import {
  changeSubject,
  ledgerPayload,
  type LedgerPayloadInput,
  type ProjectedEventType,
} from '../../../src/ledger-events/index.js';
import { RiskTier } from '../../../policies/index.js';
import { contentHash } from '../../../src/canonical/index.js';
import { LedgerProjections } from '../../../src/projections/index.js';
import { MemoryLedgerStore } from '../projections/memory-ledger-store.js';

const text = readFileSync(
  fileURLToPath(new URL('../../../policies/examples/high-model-provider-change.yaml', import.meta.url)),
  'utf8',
);
const record = redactChangeRecord(parseChangeRecord(text), secretKeyMatcher(['api[-_]?key']), ephemeralRedactionKey());
const key = record.key;
const alice = { id: 'alice@example.com', kind: ActorKind.User, roles: ['aiPlatformOwner'] };
const review = (reviewer: string, decision: ReviewDecision) => ({
  reviewer,
  roles: ['aiPlatformOwner'],
  decision,
  comment: '',
  at: '2026-03-01T10:00:00Z',
});

async function storeWithLifecycle(): Promise<MemoryLedgerStore> {
  const store = new MemoryLedgerStore();
  const append = <T extends ProjectedEventType>(type: T, data: LedgerPayloadInput<T>) =>
    store.append({ type, actor: alice, subject: changeSubject(key), data: ledgerPayload(type, data) });
  await append(LedgerEventType.ChangeCreated, { record });
  await append(LedgerEventType.ChangeClassified, {
    changeKey: key,
    tier: RiskTier.High,
    firedRuleIds: ['model-provider-changed'],
  });
  await append(LedgerEventType.ReviewSubmitted, {
    changeKey: key,
    review: review('alice@example.com', ReviewDecision.Approve),
  });
  await append(LedgerEventType.ChangeEdited, { record: { ...record, title: 'Move the intent router to Mistral' } });
  await append(LedgerEventType.ApprovalsReset, { changeKey: key, reason: 'edited after review' });
  await append(LedgerEventType.EvidenceAttached, {
    changeKey: key,
    evidence: { type: EvidenceType.OfflineEval, summary: 'same accuracy', result: EvidenceResult.Passed },
  });
  await append(LedgerEventType.ReviewSubmitted, {
    changeKey: key,
    review: review('bob@example.com', ReviewDecision.Approve),
  });
  await append(LedgerEventType.ChangeStatusChanged, { changeKey: key, status: ChangeStatus.Approved });
  await append(LedgerEventType.StageApplied, { changeKey: key, stageIndex: 0, percentage: 1 });
  await append(LedgerEventType.ReleaseHeld, { changeKey: key, reason: 'error rate above 2%', metric: 'error_rate' });
  return store;
}

describe('change-records projection', () => {
  it('folds a change through review, edit, reset, evidence, approval, a stage and a hold', async () => {
    const store = await storeWithLifecycle();
    const state = foldChangeRecords(store.entries);
    const change = state.changes.get(key)!;
    expect(change).toMatchObject({
      status: ChangeStatus.Held,
      statusReason: 'error rate above 2%',
      revision: 2,
      stageIndex: 0,
      classification: { tier: 'high', firedRuleIds: ['model-provider-changed'] },
      createdBy: 'alice@example.com',
      lastSeq: 10,
    });
    expect(change.record.title).toBe('Move the intent router to Mistral');
    expect(change.reviews.map((item) => item.reviewer)).toEqual(['bob@example.com']);
    expect(change.supersededReviews.map((item) => item.reviewer)).toEqual(['alice@example.com']);
    expect(change.evidence.map((item) => item.type)).toEqual(['offlineEval']);
    expect(state.skipped).toEqual([]);
    expect(JSON.stringify(store.entries)).not.toContain('sk-live');
  });

  it('withdraws approvals on an edit even when the writer died before recording the reset', async () => {
    const store = new MemoryLedgerStore();
    const append = <T extends ProjectedEventType>(type: T, data: LedgerPayloadInput<T>) =>
      store.append({ type, actor: alice, subject: changeSubject(key), data: ledgerPayload(type, data) });
    await append(LedgerEventType.ChangeCreated, { record });
    await append(LedgerEventType.ReviewSubmitted, {
      changeKey: key,
      review: review('bob@example.com', ReviewDecision.Approve),
    });
    await append(LedgerEventType.ChangeStatusChanged, { changeKey: key, status: ChangeStatus.Approved });
    await append(LedgerEventType.ChangeEdited, { record: { ...record, title: 'Edited after approval' } });
    const change = foldChangeRecords(store.entries).changes.get(key)!;
    expect(change).toMatchObject({ status: ChangeStatus.Proposed, statusReason: 'edited', reviews: [] });
    expect(change.supersededReviews.map((item) => item.reviewer)).toEqual(['bob@example.com']);

    await append(LedgerEventType.ApprovalsReset, { changeKey: key, reason: 'edited after review' });
    await append(LedgerEventType.ChangeStatusChanged, {
      changeKey: key,
      status: ChangeStatus.Proposed,
      reason: 'edited',
    });
    expect(foldChangeRecords(store.entries).changes.get(key)!.supersededReviews).toHaveLength(1);
  });

  it('follows resume, roll back and completion', async () => {
    const store = await storeWithLifecycle();
    const base = foldChangeRecords(store.entries);
    const next = (type: LedgerEventType, data: object, seq: number): LedgerEntry => ({
      ...store.entries[0]!,
      seq,
      type,
      data: data as never,
    });
    const resumed = applyChangeEntry(base, next(LedgerEventType.ReleaseResumed, { changeKey: key }, 11));
    expect(resumed.changes.get(key)?.status).toBe(ChangeStatus.Releasing);
    expect(
      applyChangeEntry(
        resumed,
        next(LedgerEventType.ReleaseRolledBack, { changeKey: key, reason: 'complaints' }, 12),
      ).changes.get(key)?.status,
    ).toBe(ChangeStatus.RolledBack);
    expect(
      applyChangeEntry(resumed, next(LedgerEventType.ReleaseCompleted, { changeKey: key }, 12)).changes.get(key)
        ?.status,
    ).toBe(ChangeStatus.Completed);
    expect(base.changes.get(key)?.status).toBe(ChangeStatus.Held);
  });

  it('lists entries it cannot apply instead of failing, and ignores entries it has seen', async () => {
    const store = await storeWithLifecycle();
    const [created] = store.entries;
    const badReview = {
      ...created!,
      seq: 1,
      type: LedgerEventType.ReviewSubmitted,
      data: { changeKey: key, review: { reviewer: 'x' } },
    };
    const orphan = {
      ...created!,
      seq: 2,
      type: LedgerEventType.ApprovalsReset,
      data: { changeKey: 'nope', reason: 'r' },
    };
    const state = foldChangeRecords([badReview, orphan, { ...created!, seq: 3 }, { ...created!, seq: 4 }]);
    expect(state.skipped.map((skipped) => [skipped.seq, skipped.reason.split(':')[0]])).toEqual([
      [1, 'invalid payload'],
      [2, 'change nope does not exist'],
      [4, 'change router-switch-provider already exists'],
    ]);
    expect(applyChangeEntry(state, { ...created!, seq: 2 })).toEqual(state);
    expect(EMPTY_CHANGE_RECORDS.changes.size).toBe(0);
  });

  it('catches up from the store before answering, so two processes sharing it agree', async () => {
    const store = await storeWithLifecycle();
    const first = new LedgerProjections(store);
    const second = new LedgerProjections(store);
    await first.catchUp();
    expect(first.changes.changes.get(key)?.status).toBe(ChangeStatus.Held);
    await store.append({
      type: LedgerEventType.ReleaseResumed,
      actor: alice,
      subject: changeSubject(key),
      data: ledgerPayload(LedgerEventType.ReleaseResumed, { changeKey: key, reason: 'fixed' }),
    });
    await second.catchUp();
    expect(second.changes.changes.get(key)?.status).toBe(ChangeStatus.Releasing);
    expect(first.changes.changes.get(key)?.status).toBe(ChangeStatus.Held);
    await first.catchUp();
    expect(first.changes.changes.get(key)?.status).toBe(ChangeStatus.Releasing);
    expect(first.changes).toEqual(second.changes);
  });

  it('keeps each flag value as its content hash and reads the full record back from the ledger entry that wrote it', async () => {
    const store = await storeWithLifecycle();
    const projections = new LedgerProjections(store);
    await projections.catchUp();
    const change = projections.changes.changes.get(key)!;
    const edited = store.entries.find((entry) => entry.type === LedgerEventType.ChangeEdited)!;
    expect(change.recordSeq).toBe(edited.seq);
    expect(change.record.flags.map((flag) => flag.values.candidate.hash)).toEqual(
      record.flags.map((flag) => contentHash(flag.candidate)),
    );
    expect(JSON.stringify(change)).not.toContain(JSON.stringify(record.flags[0]!.candidate));
    expect((await projections.loaded(change)).record).toEqual({
      ...record,
      title: 'Move the intent router to Mistral',
    });
  });

  it('refuses to build a payload the projection could not read, naming the field', () => {
    expect(() =>
      ledgerPayload(LedgerEventType.StageApplied, { changeKey: key, stageIndex: -1, percentage: 1 }),
    ).toThrow(/stageIndex/);
  });
});
