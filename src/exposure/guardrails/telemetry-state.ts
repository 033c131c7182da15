import { LedgerEventType } from '../../ledger/index.js';
import { readLedgerPayload } from '../../ledger-events/index.js';
import type { ComparisonNumbers } from '../model/index.js';
import type { ProjectionFold } from '../../projections/index.js';
import { EMPTY_ARM, mergeArms, type ArmSummary } from './arm-summary.js';

/** Both arms of one metric. */
export interface ArmPair {
  readonly candidate: ArmSummary;
  readonly baseline: ArmSummary;
}

/** What the telemetry of a change's applied stage adds up to, and the last verdict recorded per metric. */
export interface StageTelemetry {
  readonly stageIndex: number;
  readonly evaluations: { readonly candidate: number; readonly baseline: number };
  readonly metrics: ReadonlyMap<string, ArmPair>;
  readonly verdicts: ReadonlyMap<string, ComparisonNumbers>;
}

/** Telemetry of every exposed change, folded from the ledger. */
export interface TelemetryLedgerState {
  readonly lastSeq: number;
  readonly changes: ReadonlyMap<string, StageTelemetry>;
}

/**
 * Folds `guardrail.telemetry-recorded` and `guardrail.compared` entries into per-change totals for the stage the
 * change is at: a batch for a later stage starts the stage's window afresh (so candidate and baseline are always
 * compared over the same window), a batch for an earlier stage is ignored. Pure; copies only touched changes.
 */
export const telemetryLedgerFold: ProjectionFold<TelemetryLedgerState> = {
  initial: { lastSeq: 0, changes: new Map() },
  apply(state, entries) {
    let changes: Map<string, StageTelemetry> | undefined;
    let lastSeq = state.lastSeq;
    for (const entry of entries) {
      if (entry.seq <= lastSeq) continue;
      lastSeq = entry.seq;
      if (entry.type === LedgerEventType.TelemetryRecorded) {
        const read = readLedgerPayload(entry.type, entry.data);
        if (!read.ok) continue;
        const { changeKey, stageIndex } = read.payload;
        const current = (changes ?? state.changes).get(changeKey);
        if (current && current.stageIndex > stageIndex) continue;
        const base = current && current.stageIndex === stageIndex ? current : fresh(stageIndex);
        const metrics = new Map(base.metrics);
        for (const [metric, pair] of Object.entries(read.payload.metrics)) {
          const sofar = metrics.get(metric) ?? { candidate: EMPTY_ARM, baseline: EMPTY_ARM };
          metrics.set(metric, {
            candidate: mergeArms(sofar.candidate, pair.candidate),
            baseline: mergeArms(sofar.baseline, pair.baseline),
          });
        }
        changes ??= new Map(state.changes);
        changes.set(changeKey, {
          ...base,
          evaluations: {
            candidate: base.evaluations.candidate + read.payload.evaluations.candidate,
            baseline: base.evaluations.baseline + read.payload.evaluations.baseline,
          },
          metrics,
        });
      } else if (entry.type === LedgerEventType.GuardrailCompared) {
        const read = readLedgerPayload(entry.type, entry.data);
        if (!read.ok) continue;
        const { changeKey, stageIndex, metric, comparison } = read.payload;
        const current = (changes ?? state.changes).get(changeKey);
        if (current && current.stageIndex > stageIndex) continue;
        const base = current && current.stageIndex === stageIndex ? current : fresh(stageIndex);
        changes ??= new Map(state.changes);
        changes.set(changeKey, { ...base, verdicts: new Map(base.verdicts).set(metric, comparison) });
      }
    }
    return changes ? { lastSeq, changes } : lastSeq === state.lastSeq ? state : { lastSeq, changes: state.changes };
  },
};

function fresh(stageIndex: number): StageTelemetry {
  return { stageIndex, evaluations: { candidate: 0, baseline: 0 }, metrics: new Map(), verdicts: new Map() };
}
