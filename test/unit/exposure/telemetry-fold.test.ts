import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActorKind, LedgerEventType, type LedgerEntry } from '../../../src/ledger/index.js';
import { EMPTY_ARM, mergeArms, telemetryLedgerFold, type ArmSummary } from '../../../src/exposure/index.js';

const actor = { id: 'ci', kind: ActorKind.Service, roles: ['service'] };

function entry(seq: number, stageIndex: number, candidate: ArmSummary, baseline: ArmSummary): LedgerEntry {
  return {
    seq,
    type: LedgerEventType.TelemetryRecorded,
    actor,
    subject: 'change/c1',
    at: '2026-12-04T00:00:00.000Z',
    prevHash: '',
    hash: '',
    data: {
      changeKey: 'c1',
      stageIndex,
      flagKey: 'f',
      evaluations: { candidate: candidate.count, baseline: baseline.count },
      metrics: { errorRate: { candidate, baseline } },
    },
  } as unknown as LedgerEntry;
}

const arm = fc
  .integer({ min: 0, max: 200 })
  .chain((count) => fc.integer({ min: 0, max: count }).map((errors) => ({ count, sum: errors, sumSquares: errors })));

describe('the telemetry fold', () => {
  it('adds up exactly the batches of the stage the change is at, however the ledger is read in pieces', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ stageStep: fc.integer({ min: 0, max: 3 }), candidate: arm, baseline: arm }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 5 }),
        (batches, cuts) => {
          // Stages only move forward; every now and then a batch of an earlier stage arrives late.
          let stage = 0;
          const entries = batches.map((batch, index) => {
            if (batch.stageStep === 3) stage += 1;
            const late = batch.stageStep === 2 && stage > 0;
            return entry(index + 1, late ? stage - 1 : stage, batch.candidate, batch.baseline);
          });
          let state = telemetryLedgerFold.initial;
          let from = 0;
          for (const cut of [...cuts.sort((a, b) => a - b), entries.length]) {
            state = telemetryLedgerFold.apply(state, entries.slice(from, Math.max(from, cut)));
            from = Math.max(from, cut);
          }
          // Replaying entries already folded changes nothing.
          state = telemetryLedgerFold.apply(state, entries);
          const current = entries.at(-1) ? Math.max(...entries.map((e) => (e.data as any).stageIndex as number)) : 0;
          let candidate = EMPTY_ARM;
          let baseline = EMPTY_ARM;
          let seenCurrent = false;
          for (const e of entries) {
            const data = e.data as any;
            if (data.stageIndex === current) seenCurrent = true;
            if (data.stageIndex !== current || !seenCurrent) continue;
            candidate = mergeArms(candidate, data.metrics.errorRate.candidate);
            baseline = mergeArms(baseline, data.metrics.errorRate.baseline);
          }
          const folded = state.changes.get('c1')!;
          expect(folded.stageIndex).toBe(current);
          expect(folded.metrics.get('errorRate')).toEqual({ candidate, baseline });
        },
      ),
      { numRuns: 300, seed: 16 },
    );
  });
});
