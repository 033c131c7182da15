import { isComparison, WorseDirection, type ComparisonCondition } from '../../changes/model/index.js';
import type { ChangeRecordFields } from '../../changes/projection/index.js';
import type { ComparisonNumbers } from '../model/index.js';
import { EMPTY_ARM } from './arm-summary.js';
import { compareArms } from './sequential-test.js';
import type { StageTelemetry } from './telemetry-state.js';

/** One comparative condition of a plan with its verdict on the stage's telemetry. */
export interface ComparisonLook {
  readonly condition: ComparisonCondition;
  readonly comparison: ComparisonNumbers;
}

/** Looks at every comparative `holdIf` condition of a record over the telemetry of one stage (none: all empty). */
export function comparisonLooks(
  record: Pick<ChangeRecordFields, 'release'>,
  telemetry: StageTelemetry | undefined,
): ComparisonLook[] {
  return record.release.holdIf.filter(isComparison).map((condition) => {
    const pair = telemetry?.metrics.get(condition.metric);
    const comparison = compareArms(pair?.candidate ?? EMPTY_ARM, pair?.baseline ?? EMPTY_ARM, {
      margin: condition.byMoreThan,
      alpha: condition.alpha,
      minSamplePerArm: condition.minSamplePerArm,
      higherIsWorse: condition.worseIf === WorseDirection.Higher,
    });
    return { condition, comparison };
  });
}

/** A look in words, for ledger reasons, comments and evidence: every number that decided it. */
export function describeLook(look: ComparisonLook): string {
  const { comparison: c, condition } = look;
  const round = (value: number): string => (Number.isInteger(value) ? String(value) : value.toPrecision(4));
  return (
    `${condition.metric} ${c.verdict}: candidate ${round(c.candidate.mean)} (n=${c.candidate.count}) vs baseline ${round(c.baseline.mean)} ` +
    `(n=${c.baseline.count}), worse by ${round(c.difference)} in [${round(c.lower)}, ${round(c.upper)}] against a margin of ${round(c.margin)} ` +
    `(mSPRT ${round(c.statistic)} of ${round(c.boundary)}, alpha ${c.alpha}, minimum ${c.minSamplePerArm} per arm)`
  );
}
