import type { FeatBitFlag } from '../../src/featbit/model/index.js';
import { planConfigurationWrites, type ConfigurationPlan } from '../../src/workflow/index.js';

/** The revision-guarded writes (and the toggle, which FeatBit does not guard) that bring `live` back to `approved`. */
export type RevertPlan = ConfigurationPlan;

/**
 * Plans the writes that restore the approved configuration: the workflow's configuration plan, so a revert and
 * a release converge FeatBit the same way. Empty when FeatBit already equals the approved state (DESIGN invariant 4).
 */
export function planRevert(live: FeatBitFlag, approved: FeatBitFlag, comment: string): RevertPlan {
  return planConfigurationWrites(live, approved, comment);
}
