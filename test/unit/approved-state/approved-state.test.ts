import { describe, expect, it } from 'vitest';
import { ConfigSurface } from '../../../src/changes/model/index.js';
import { restFlagSchema } from '../../../src/featbit/model/index.js';
import { ActorKind, LedgerEventType } from '../../../src/ledger/index.js';
import { flagSubject, ledgerPayload } from '../../../src/ledger-events/index.js';
import { foldApprovedStates } from '../../../src/approved-state/projection/index.js';
import type { ApprovedStatePayloadInput } from '../../../src/approved-state/model/index.js';
import { readReference } from '../../support/reference.js';
import { LedgerProjections } from '../../../src/projections/index.js';
import { MemoryLedgerStore } from '../projections/memory-ledger-store.js';

const envelope = readReference('api-get-flag-response.constructed.json') as { data: unknown };
const restFlag = restFlagSchema.parse(envelope.data);
const featgate = { id: 'featgate', kind: ActorKind.System };

function stateFor(
  envId: string,
  overrides: Partial<ApprovedStatePayloadInput['state']> = {},
): ApprovedStatePayloadInput {
  return {
    state: {
      envId,
      flagKey: restFlag.key,
      flag: restFlag,
      segments: [],
      baselineVariationId: restFlag.variations[0]!.id,
      surface: ConfigSurface.Prompt,
      owner: 'support-ai-team',
      approvedAt: '2026-03-01T10:00:00Z',
      approvedBy: 'alice@example.com',
      ...overrides,
    },
  };
}

async function append(
  store: MemoryLedgerStore,
  type: LedgerEventType.ApprovedStateSet | LedgerEventType.FlagAdopted,
  payload: ApprovedStatePayloadInput,
) {
  return store.append({
    type,
    actor: featgate,
    subject: flagSubject(payload.state.envId, payload.state.flagKey),
    data: ledgerPayload(type, payload),
  });
}

describe('approved-state projection', () => {
  it('starts from an adopted flag and advances with each approval, versioned by ledger seq', async () => {
    const store = new MemoryLedgerStore();
    await append(store, LedgerEventType.FlagAdopted, stateFor('env-a'));
    await store.append({ type: LedgerEventType.ChangeStatusChanged, actor: featgate, subject: 'change:x', data: {} });
    await append(
      store,
      LedgerEventType.ApprovedStateSet,
      stateFor('env-a', { changeKey: 'greeting-change', stageIndex: 1 }),
    );
    await append(store, LedgerEventType.FlagAdopted, stateFor('env-b'));
    const state = foldApprovedStates(store.entries);
    expect(state.states.get(`env-a/${restFlag.key}`)).toMatchObject({
      version: 3,
      changeKey: 'greeting-change',
      stageIndex: 1,
    });
    expect(state.states.get(`env-b/${restFlag.key}`)).toMatchObject({ version: 4 });
    expect(state.states.get(`env-a/${restFlag.key}`)?.flag.variations).toEqual(restFlag.variations);
    expect(state.lastSeq).toBe(4);
  });

  it('keeps the last good state when an entry carries a bad payload, and lists the entry', async () => {
    const store = new MemoryLedgerStore();
    await append(store, LedgerEventType.FlagAdopted, stateFor('env-a'));
    await store.append({
      type: LedgerEventType.ApprovedStateSet,
      actor: featgate,
      subject: 'flag:env-a/x',
      data: { state: { envId: 'env-a' } },
    });
    const state = foldApprovedStates(store.entries);
    expect(state.states.get(`env-a/${restFlag.key}`)?.version).toBe(1);
    expect(state.skipped.map((skipped) => skipped.seq)).toEqual([2]);
  });

  it('answers from the whole store, including entries another process appended', async () => {
    const store = new MemoryLedgerStore();
    const projections = new LedgerProjections(store);
    await projections.catchUp();
    expect(projections.approved('env-a', restFlag.key)).toBeUndefined();
    await append(store, LedgerEventType.FlagAdopted, stateFor('env-a'));
    await append(store, LedgerEventType.FlagAdopted, stateFor('env-b'));
    await projections.catchUp();
    expect(projections.approved('env-a', restFlag.key)?.version).toBe(1);
    expect(projections.approvedInEnv('env-b').map((flag) => flag.envId)).toEqual(['env-b']);
  });

  it('runs concurrent catch-ups without applying an entry twice', async () => {
    const store = new MemoryLedgerStore();
    for (let i = 0; i < 5; i += 1)
      await append(store, LedgerEventType.ApprovedStateSet, stateFor('env-a', { approvedBy: `r${i}` }));
    const projections = new LedgerProjections(store);
    await Promise.all([projections.catchUp(), projections.catchUp(), projections.catchUp()]);
    expect(projections.lastSeq).toBe(5);
    expect(projections.approved('env-a', restFlag.key)?.approvedBy).toBe('r4');
    expect(projections.exportState().approved).toEqual(foldApprovedStates(store.entries).states);
  });
});
