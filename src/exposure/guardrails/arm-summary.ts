import { z } from 'zod';

/** Running sums of one metric in one arm: enough for its mean and variance, and mergeable by addition. */
export const armSummarySchema = z.strictObject({
  count: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  sum: z.number().refine(Number.isFinite, 'must be a finite number'),
  sumSquares: z.number().min(0).refine(Number.isFinite, 'must be a finite number'),
});
export type ArmSummary = z.infer<typeof armSummarySchema>;

/** An arm with no observations. */
export const EMPTY_ARM: ArmSummary = { count: 0, sum: 0, sumSquares: 0 };

/** Two summaries of the same metric and arm added together. */
export function mergeArms(a: ArmSummary, b: ArmSummary): ArmSummary {
  return { count: a.count + b.count, sum: a.sum + b.sum, sumSquares: a.sumSquares + b.sumSquares };
}

/** The arm's mean (0 when empty). */
export function armMean(arm: ArmSummary): number {
  return arm.count === 0 ? 0 : arm.sum / arm.count;
}

/** The arm's sample variance (population form, never negative; 0 when empty). */
export function armVariance(arm: ArmSummary): number {
  if (arm.count === 0) return 0;
  const mean = arm.sum / arm.count;
  return Math.max(0, arm.sumSquares / arm.count - mean * mean);
}
