import { ConflictError, ForbiddenError } from '../../src/errors/index.js';
import type { FeatBitFlag, RestFlag } from '../../src/featbit/model/index.js';
import {
  FeatBitAction,
  FeatBitForbiddenError,
  PermissionState,
  updateFlagWithRevision,
  type FeatBitRestClient,
} from '../../src/featbit/rest-client/index.js';
import { actionsOfRequest, targetingActions } from './revert-permissions.js';
import { governedFieldPatch, wholesaleRestorePatch } from './governed-field-patch.js';
import {
  planConfigurationWrites,
  type ConfigurationPlan,
  type ConfigurationWriteResult,
} from '../../src/releases/index.js';

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
    super(
      `flag ${flagKey} changed from revision ${judgedRevision} to ${currentRevision} while its revert was prepared; judging it again`,
    );
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
  access: RevertAccess = OPEN_ACCESS,
): Promise<ConfigurationWriteResult> {
  if (access.route === RevertRoute.Blocked) throw new RevertBlockedError(envId, judged.key, access.missing);
  if (access.route === RevertRoute.Wholesale) return restoreWholesaleOver(featbit, envId, judged, approved, access);
  let lastRead: RestFlag = judged;
  let result: { revision: string; writes: number };
  try {
    result = await updateFlagWithRevision(featbit, envId, judged.key, (fresh) => {
      if (fresh.revision.toLowerCase() !== judged.revision.toLowerCase())
        throw new StaleEditError(judged.key, judged.revision, fresh.revision);
      lastRead = fresh;
      return planRevert(fresh, { ...approved, isEnabled: fresh.isEnabled }, comment).writes;
    });
  } catch (error) {
    if (!(error instanceof FeatBitForbiddenError)) throw error;
    // featgate's token lacks one of the per-action permissions of the guarded endpoints (FeatBit checks targeting
    // permissions by the parts that change, inside the write, so no probe could tell): the refusal is learned, and the
    // revert is finished with one JSON Patch, which needs authentication only in FeatBit 5.4.2 and leaves the switch as
    // it is, so it can never undo a kill switch. The writes made so far only narrowed (the plan orders them so).
    access.learn(actionsOfRequest(error.request, targetingActions(access.needed)), PermissionState.Missing);
    if (access.patchRefused())
      throw new RevertBlockedError(
        envId,
        judged.key,
        actionsOfRequest(error.request, targetingActions(access.needed)),
        { cause: error },
      );
    return restoreWholesaleOver(featbit, envId, judged, approved, access, true);
  }
  access.learn(
    access.needed.filter((action) => action !== FeatBitAction.PatchFlag),
    PermissionState.Granted,
  );
  const patch = governedFieldPatch(lastRead, approved);
  if (patch.length === 0) return { revision: result.revision, writes: result.writes };
  await patchOrBlock(featbit, envId, judged.key, patch, access);
  return { revision: result.revision, writes: result.writes + 1 };
}

/** Which way a revert goes, decided before its first write from what featgate knows of its token's permissions. */
export enum RevertRoute {
  /** The revision-guarded endpoints, then one JSON Patch for the fields they cannot write. */
  Guarded = 'guarded',
  /** One JSON Patch with the whole approved configuration: a guarded endpoint the revert needs is refused to the token. */
  Wholesale = 'wholesale',
  /** Nothing is written: the revert needs an action the token lacks and JSON Patch is refused too. */
  Blocked = 'blocked',
}

/** What a revert knows of its token's permissions and how it reports what FeatBit answers. */
export interface RevertAccess {
  readonly route: RevertRoute;
  /** The actions the guarded revert needs (`flagRevertActions`). */
  readonly needed: readonly FeatBitAction[];
  /** The needed actions known to be missing. */
  readonly missing: readonly FeatBitAction[];
  /** Records what FeatBit answered to one of the revert's writes. */
  learn(actions: readonly FeatBitAction[], state: PermissionState): void;
  /** Whether JSON Patch is known to be refused to the token (after what was learned so far). */
  patchRefused(): boolean;
}

const OPEN_ACCESS: RevertAccess = {
  route: RevertRoute.Guarded,
  needed: [],
  missing: [],
  learn: () => undefined,
  patchRefused: () => false,
};

/**
 * Decides a revert's route before its first write (ARCHITECTURE.md, "FeatBit permissions"): guarded unless a needed
 * action is known missing; then one atomic JSON Patch unless JSON Patch is known refused; then blocked, so a flag is
 * never left half-reverted by a write refused midway.
 */
export function chooseRevertRoute(
  needed: readonly FeatBitAction[],
  stateOf: (action: FeatBitAction) => PermissionState,
): { route: RevertRoute; missing: FeatBitAction[] } {
  const missing = needed.filter((action) => stateOf(action) === PermissionState.Missing);
  if (missing.length === 0) return { route: RevertRoute.Guarded, missing };
  if (stateOf(FeatBitAction.PatchFlag) === PermissionState.Missing)
    return { route: RevertRoute.Blocked, missing: [...new Set([...missing, FeatBitAction.PatchFlag])] };
  return { route: RevertRoute.Wholesale, missing };
}

/**
 * The one JSON Patch that writes the whole approved configuration (the switch kept), over exactly the judged revision:
 * a flag that moved since it was judged is judged again (`StaleEditError`), as in the guarded route.
 */
async function restoreWholesaleOver(
  featbit: FeatBitRestClient,
  envId: string,
  judged: RestFlag,
  approved: FeatBitFlag,
  access: RevertAccess,
  afterRefusal = false,
): Promise<ConfigurationWriteResult> {
  const fresh = await featbit.getRawFlag(envId, judged.key);
  // After a refused guarded write the narrowing writes before it moved the revision; that is featgate's own move.
  if (!afterRefusal && (fresh.revision ?? '').toLowerCase() !== judged.revision.toLowerCase())
    throw new StaleEditError(judged.key, judged.revision, fresh.revision ?? '');
  await patchOrBlock(featbit, envId, judged.key, wholesaleRestorePatch(fresh, approved), access);
  return { revision: fresh.revision ?? judged.revision, writes: 1 };
}

async function patchOrBlock(
  featbit: FeatBitRestClient,
  envId: string,
  key: string,
  patch: Parameters<FeatBitRestClient['patchFlag']>[2],
  access: RevertAccess,
): Promise<void> {
  try {
    await featbit.patchFlag(envId, key, patch);
    access.learn([FeatBitAction.PatchFlag], PermissionState.Granted);
  } catch (error) {
    if (!(error instanceof FeatBitForbiddenError)) throw error;
    access.learn([FeatBitAction.PatchFlag], PermissionState.Missing);
    const missing = access.needed.filter(
      (action) => action === FeatBitAction.PatchFlag || access.missing.includes(action),
    );
    throw new RevertBlockedError(envId, key, [...new Set([...missing, FeatBitAction.PatchFlag])], { cause: error });
  }
}

/**
 * A revert that needs FeatBit actions featgate's token lacks (and JSON Patch is refused too): it stops, before its
 * first write when the missing action was known, and is a permanent failure of its job until the token is fixed.
 */
export class RevertBlockedError extends ForbiddenError {
  /** Retrying cannot help until the token is fixed: the job fails for good at once (`isPermanentFailure`). */
  readonly permanent = true as const;

  constructor(
    readonly envId: string,
    readonly flagKey: string,
    readonly missing: readonly FeatBitAction[],
    options?: { cause?: unknown },
  ) {
    super(
      `featgate's FeatBit token lacks ${missing.join(', ') || 'a permission'} on flag ${flagKey} (${envId}): the revert is stopped; grant the permission and retry the job`,
      options,
    );
  }
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
    super(
      `FeatBit does not hold the approved configuration of ${flagKey} (${envId}) after featgate's revert (${differs} differ); the revert is retried`,
    );
  }
}
