import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ApprovedStateHistory,
  recordApprovedState,
  successorState,
  type ApprovedStateInput,
} from '../../../src/approved-state/index.js';
import type { ApprovedFlagState } from '../../../src/approved-state/model/index.js';
import { ConfigSurface } from '../../../src/changes/model/index.js';
import { ValidationError } from '../../../src/errors/index.js';
import { restFlagSchema } from '../../../src/featbit/model/index.js';
import { ActorKind, LedgerEventType } from '../../../src/ledger/index.js';
import { flagSubject } from '../../../src/ledger-events/index.js';
import { foldApprovedStates } from '../../../src/approved-state/projection/index.js';
import { readReference } from '../../support/reference.js';
import { MemoryLedgerStore } from '../projections/memory-ledger-store.js';

const restFlag = restFlagSchema.parse(
  (readReference('api-get-flag-response.constructed.json') as { data: unknown }).data,
);
const actor = { id: 'featgate', kind: ActorKind.Service };

function baseState(envId: string, flagKey: string, overrides: Partial<ApprovedStateInput> = {}): ApprovedStateInput {
  return {
    envId,
    flagKey,
    flag: { ...restFlag, key: flagKey },
    segments: [],
    baselineVariationId: restFlag.variations[0]!.id,
    surface: ConfigSurface.Prompt,
    owner: 'support-ai-team',
    approvedAt: '2026-03-01T10:00:00Z',
    approvedBy: 'alice@example.com',
    ...overrides,
  };
}

/** One step of a random ledger history: an approved state of some flag, or an entry that sets none. */
type Step =
  | {
      kind: 'state';
      type: LedgerEventType.ApprovedStateSet | LedgerEventType.FlagAdopted;
      env: string;
      flag: string;
      changeKey?: string;
      breakGlassId?: string;
    }
  | { kind: 'bad-payload'; env: string; flag: string }
  | { kind: 'other'; env: string; flag: string };

const name = fc.constantFrom('a', 'b');
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record(
    {
      kind: fc.constant('state' as const),
      type: fc.constantFrom(LedgerEventType.ApprovedStateSet as const, LedgerEventType.FlagAdopted as const),
      env: name,
      flag: name,
      changeKey: fc.constantFrom('change-1', 'change-2'),
      breakGlassId: fc.constant('bg-1'),
    },
    { requiredKeys: ['kind', 'type', 'env', 'flag'] },
  ),
  fc.record({ kind: fc.constant('bad-payload' as const), env: name, flag: name }),
  fc.record({ kind: fc.constant('other' as const), env: name, flag: name }),
);

async function replay(steps: readonly Step[]): Promise<MemoryLedgerStore> {
  const ledger = new MemoryLedgerStore();
  for (const one of steps) {
    const subject = flagSubject(one.env, one.flag);
    if (one.kind === 'state') {
      const { changeKey, breakGlassId } = one;
      const state = baseState(one.env, one.flag, {
        ...(changeKey ? { changeKey } : {}),
        ...(breakGlassId ? { breakGlassId } : {}),
      });
      await recordApprovedState(ledger, { type: one.type, actor, state });
    } else if (one.kind === 'bad-payload') {
      await ledger.append({
        type: LedgerEventType.ApprovedStateSet,
        actor,
        subject,
        data: { state: { envId: one.env } },
      });
    } else {
      await ledger.append({
        type: LedgerEventType.EditAccepted,
        actor,
        subject,
        data: { envId: one.env, flagKey: one.flag },
      });
    }
  }
  return ledger;
}

async function collect(states: AsyncIterable<ApprovedFlagState>): Promise<ApprovedFlagState[]> {
  const all: ApprovedFlagState[] = [];
  for await (const state of states) all.push(state);
  return all;
}

describe('approved-state history', () => {
  it('reads back, for any history, exactly the states the projection folds, entry by entry and flag by flag', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), async (steps) => {
        const ledger = await replay(steps);
        const history = new ApprovedStateHistory(ledger);
        for (const env of ['a', 'b']) {
          for (const flag of ['a', 'b']) {
            const states = await collect(history.of(env, flag));
            // What the projection ends on is the newest state the history reads, and each state is versioned by its seq.
            const folded = foldApprovedStates(ledger.entries).states.get(`${env}/${flag}`);
            expect(states.at(-1)).toEqual(folded);
            for (const state of states) expect(await history.at(state.version)).toEqual(state);
            expect(await history.latestAmong(states.map((state) => state.version))).toEqual(folded);
          }
        }
        // Entries that set no approved state (another event, a payload the schema refuses) are never read as one.
        for (const entry of ledger.entries) {
          if (
            entry.type === LedgerEventType.EditAccepted ||
            entry.data['state'] === undefined ||
            !('flag' in (entry.data['state'] as object))
          ) {
            expect(await history.at(entry.seq)).toBeUndefined();
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('answers no state for a seq past the head or not a ledger seq at all', async () => {
    const ledger = await replay([{ kind: 'state', type: LedgerEventType.FlagAdopted, env: 'a', flag: 'a' }]);
    const history = new ApprovedStateHistory(ledger);
    expect(await history.at(1)).toMatchObject({ envId: 'a', flagKey: 'a', version: 1 });
    for (const seq of [2, 0, -1, 1.5, Number.NaN]) expect(await history.at(seq)).toBeUndefined();
  });
});

describe('recording approved state', () => {
  it('writes on the flag subject and drops the caller-supplied version: the entry seq becomes it', async () => {
    const ledger = new MemoryLedgerStore();
    await recordApprovedState(ledger, {
      type: LedgerEventType.FlagAdopted,
      actor,
      state: baseState('a', 'a'),
      reason: 'baseline',
    });
    const entry = await recordApprovedState(ledger, {
      type: LedgerEventType.ApprovedStateSet,
      actor,
      state: { ...baseState('a', 'a'), version: 99 },
    });
    expect(entry.subject).toBe(flagSubject('a', 'a'));
    expect(entry.data['state']).not.toHaveProperty('version');
    expect(ledger.entries[0]!.data['reason']).toBe('baseline');
    expect(await new ApprovedStateHistory(ledger).at(entry.seq)).toMatchObject({ version: 2 });
  });

  it('refuses a state the projection could not read, naming the field, and appends nothing', async () => {
    const ledger = new MemoryLedgerStore();
    const write = recordApprovedState(ledger, {
      type: LedgerEventType.ApprovedStateSet,
      actor,
      state: baseState('a', 'a', { owner: '' }),
    });
    await expect(write).rejects.toBeInstanceOf(ValidationError);
    await expect(write).rejects.toThrow(/owner/);
    expect(ledger.entries).toHaveLength(0);
  });

  it('never lets a successor inherit the change or break-glass of the state before it', () => {
    const emergency = baseState('a', 'a', { changeKey: 'change-1', stageIndex: 2, breakGlassId: 'bg-1', segments: [] });
    const next = successorState(emergency, {
      flag: restFlag,
      origin: { changeKey: 'change-2' },
      approvedAt: '2026-03-02T10:00:00Z',
      approvedBy: 'bob',
    });
    expect(next).toMatchObject({
      changeKey: 'change-2',
      approvedBy: 'bob',
      surface: emergency.surface,
      owner: emergency.owner,
    });
    expect(next).not.toHaveProperty('stageIndex');
    expect(next).not.toHaveProperty('breakGlassId');
  });
});
