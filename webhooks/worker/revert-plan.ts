import { ConflictError } from '../../src/errors/index.js';
import type { FeatBitFlag, RestFlag } from '../../src/featbit/model/index.js';
import { FeatBitForbiddenError, updateFlagWithRevision, type FeatBitRestClient } from '../../src/featbit/rest-client/index.js';
import { governedFieldPatch, wholesaleRestorePatch } from './governed-field-patch.js';
import { planConfigurationWrites, type ConfigurationPlan, type ConfigurationWriteResult } from '../../src/workflow/index.js';

/** The revision-guarded writes (and the toggle, which FeatBit does not guard) that bring `live` back to `approved`. */
export type RevertPlan = ConfigurationPlan;

/**
 * Plans the writes that restore the approved configuration: the workflow's configuration plan, so a revert and
 * a release converge FeatBit the same way. Empty when FeatBit already equals the approved state (ARCHITECTURE.md invariant 4).
 */
export function planRevert(live: FeatBitFlag, approved: FeatBitFlag, comment: string): RevertPlan {
  return planConfigurationWrites(live, approved, comment);
}

/**
 * FeatBit's flag moved past the revision the bridge judged: someone edited it meanwhile (perhaps a kill switch),
 * so the revert must not be written; the flag is judged again from its new state.
 */
export class StaleEditError extends ConflictError {
  constructor(
    readonly flagKey: string,
    readonly judgedRevision: string,
    readonly currentRevision: string,
  ) {
    super(`flag ${flagKey} changed from revision ${judgedRevision} to ${currentRevision} while its revert was prepared; judging it again`);
  }
}

/**
 * Restores the approved configuration (key, tags, name, description, variation type and archive state included,
 * through one JSON Patch after the guarded writes) over exactly the revision that was judged unauthorized: every read before a
 * write (the first and each one after a 409) must still show that revision, else `StaleEditError` is thrown and
 * nothing more is written. A blind re-plan would undo whatever landed meanwhile, such as a kill switch, which
 * ARCHITECTURE.md invariant 2 says is never reverted. The on/off state is never written: the approved configuration
 * is restored with FeatBit's own switch position (invariant 10: a flag switched off stays off, and switching on
 * into the approved on-configuration is approved), so a revert has no unguarded toggle to race a kill switch with.
 */
export async function revertJudgedFlag(
  featbit: FeatBitRestClient,
  envId: string,
  judged: RestFlag,
  approved: FeatBitFlag,
  comment: string,
): Promise<ConfigurationWriteResult> {
  let lastRead: RestFlag = judged;
  let result: { revision: string; writes: number };
  try {
    result = await updateFlagWithRevision(featbit, envId, judged.key, (fresh) => {
      if (fresh.revision.toLowerCase() !== judged.revision.toLowerCase()) throw new StaleEditError(judged.key, judged.revision, fresh.revision);
      lastRead = fresh;
      return planRevert(fresh, { ...approved, isEnabled: fresh.isEnabled }, comment).writes;
    });
  } catch (error) {
    if (!(error instanceof FeatBitForbiddenError)) throw error;
    // featgate's token lacks one of the per-action permissions of the guarded endpoints (FeatBit checks targeting
    // permissions by the parts that change): finish with one JSON Patch, which needs authentication only in FeatBit
    // 5.4.2 and leaves the switch as it is, so it can never undo a kill switch. The writes made so far only narrowed.
    const fresh = await featbit.getRawFlag(envId, judged.key);
    await featbit.patchFlag(envId, judged.key, wholesaleRestorePatch(fresh, approved));
    return { revision: fresh.revision ?? judged.revision, writes: 1 };
  }
  const patch = governedFieldPatch(lastRead, approved);
  if (patch.length === 0) return { revision: result.revision, writes: result.writes };
  await featbit.patchFlag(envId, judged.key, patch);
  return { revision: result.revision, writes: result.writes + 1 };
}

/**
 * FeatBit does not hold the approved configuration after featgate's revert writes (a token missing a permission, a
 * write FeatBit dropped, an edit racing the revert): the revert is not recorded as done; the job fails and is retried.
 */
export class RevertNotRestoredError extends ConflictError {
  constructor(
    readonly envId: string,
    readonly flagKey: string,
    readonly differs: string,
  ) {
    super(`FeatBit does not hold the approved configuration of ${flagKey} (${envId}) after featgate's revert (${differs} differ); the revert is retried`);
  }
}
