import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChangeStatus, parseChangeRecord, ReviewDecision } from '../../../src/changes/model/index.js';
import { ActorKind, LedgerEventType, type LedgerAppend } from '../../../src/ledger/index.js';
import { changeSubject, flagSubject, ledgerPayload } from '../../../src/ledger-events/index.js';
import {
  decodeSnapshotState,
  encodeSnapshotState,
  LedgerProjections,
  type LedgerProjectionsState,
} from '../../../src/projections/index.js';
import { scaleFlag, statePayload } from '../../bench/scale-support.js';
import { MemoryLedgerStore } from './memory-ledger-store.js';

const record = parseChangeRecord(
  readFileSync(
    fileURLToPath(new URL('../../../policies/examples/high-model-provider-change.yaml', import.meta.url)),
    'utf8',
  ),
);
const actor = { id: 'alice@example.com', kind: ActorKind.User, roles: ['aiPlatformOwner'] };
const KEYS = ['ch-a', 'ch-b', 'ch-c'];

/** One write of a random history: change life-cycle steps (some for changes that do not exist), approvals, noise. */
const writeArbitrary = fc.oneof(
  fc.record({
    kind: fc.constantFrom('create', 'edit', 'review', 'reset', 'approve-change', 'stage', 'malformed-review'),
    change: fc.constantFrom(...KEYS),
    n: fc.nat(99),
  }),
  fc.record({
    kind: fc.constantFrom('approve-flag', 'adopt-flag', 'other'),
    change: fc.constantFrom('env-a', 'env-b'),
    n: fc.nat(99),
  }),
);
type Write = typeof writeArbitrary extends fc.Arbitrary<infer T> ? T : never;

function toAppend(write: Write): LedgerAppend {
  const subject = changeSubject(write.change);
  switch (write.kind) {
    case 'create':
    case 'edit': {
      const type = write.kind === 'create' ? LedgerEventType.ChangeCreated : LedgerEventType.ChangeEdited;
      return {
        type,
        actor,
        subject,
        data: ledgerPayload(type, { record: { ...record, key: write.change, title: `title ${write.n}` } }),
      };
    }
    case 'review':
      return {
        type: LedgerEventType.ReviewSubmitted,
        actor,
        subject,
        data: ledgerPayload(LedgerEventType.ReviewSubmitted, {
          changeKey: write.change,
          review: {
            reviewer: `r${write.n}@x`,
            roles: ['aiPlatformOwner'],
            decision: ReviewDecision.Approve,
            comment: '',
            at: '2026-03-01T10:00:00Z',
          },
        }),
      };
    case 'reset':
      return {
        type: LedgerEventType.ApprovalsReset,
        actor,
        subject,
        data: ledgerPayload(LedgerEventType.ApprovalsReset, { changeKey: write.change, reason: 'edited' }),
      };
    case 'approve-change':
      return {
        type: LedgerEventType.ChangeStatusChanged,
        actor,
        subject,
        data: ledgerPayload(LedgerEventType.ChangeStatusChanged, {
          changeKey: write.change,
          status: ChangeStatus.Approved,
        }),
      };
    case 'stage':
      return {
        type: LedgerEventType.StageApplied,
        actor,
        subject,
        data: ledgerPayload(LedgerEventType.StageApplied, {
          changeKey: write.change,
          stageIndex: write.n % 3,
          percentage: 5,
        }),
      };
    case 'malformed-review':
      return {
        type: LedgerEventType.ReviewSubmitted,
        actor,
        subject,
        data: { changeKey: write.change, review: { reviewer: 'x' } },
      };
    case 'approve-flag':
    case 'adopt-flag': {
      const flag = scaleFlag(write.n % 4, ((write.n % 90) + 5) / 100);
      const type = write.kind === 'approve-flag' ? LedgerEventType.ApprovedStateSet : LedgerEventType.FlagAdopted;
      return {
        type,
        actor,
        subject: flagSubject(write.change, flag.key),
        data: { state: statePayload(write.change, flag) },
      };
    }
    default:
      return {
        type: LedgerEventType.ManifestSigned,
        actor,
        subject: `env:${write.change}`,
        data: { envId: write.change, version: write.n },
      };
  }
}

describe('projections restored from a snapshot', () => {
  it('end, after folding the tail, in exactly the state a fold from genesis gives, wherever the snapshot was cut', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(writeArbitrary, { minLength: 1, maxLength: 40 }), fc.nat(), async (writes, cutSeed) => {
        const store = new MemoryLedgerStore();
        for (const write of writes) await store.append(toAppend(write));
        const cut = cutSeed % (writes.length + 1);

        const before = new MemoryLedgerStore();
        before.entries.push(...store.entries.slice(0, cut));
        const snapshotted = new LedgerProjections(before);
        await snapshotted.catchUp();
        const body = encodeSnapshotState(snapshotted.exportState());

        const genesis = new LedgerProjections(store);
        await genesis.catchUp();
        const restored = new LedgerProjections(store);
        if (cut > 0) restored.restore(decodeSnapshotState(body) as LedgerProjectionsState);
        await restored.catchUp();

        expect(restored.exportState()).toEqual(genesis.exportState());
        expect(restored.changes).toEqual(genesis.changes);
        for (const env of ['env-a', 'env-b']) expect(restored.approvedInEnv(env)).toEqual(genesis.approvedInEnv(env));
        expect(restored.envIds()).toEqual(genesis.envIds());
        // the audit index answers only what it covers; further back, the caller scans
        for (const change of KEYS) {
          expect(restored.audit.candidates({ change }, cut)).toEqual(genesis.audit.candidates({ change }, cut));
          if (cut > 0) expect(restored.audit.candidates({ change }, cut - 1)).toBeUndefined();
        }
      }),
      { numRuns: 80 },
    );
  });

  it('keep strings and keys that look like the encoding tags as they were', () => {
    const hostile = new Map<string, unknown>([
      ['M', { A: ['M', 'S', ['A']], S: new Set(['M']), nested: new Map([['A', ['A', 1]]]) }],
      ['["M"]', [null, true, 0, -1.5, '']],
    ]);
    expect(decodeSnapshotState(encodeSnapshotState({ lastSeq: 1, hostile }))).toEqual({ lastSeq: 1, hostile });
  });

  it('can only be restored before their first fold', async () => {
    const store = new MemoryLedgerStore();
    await store.append(toAppend({ kind: 'other', change: 'env-a', n: 1 }));
    const projections = new LedgerProjections(store);
    await projections.catchUp();
    expect(() => projections.restore(projections.exportState())).toThrow('before their first fold');
  });
});
