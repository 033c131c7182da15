/**
 * The FeatBit actions featgate's own writes need on a governed flag, named as FeatBit's `Permissions.cs` names them
 * (the segment ones too), plus `PatchFlag` for JSON Patch, which FeatBit 5.4.2 guards by authentication only.
 * FeatBit authorizes per action and per resource name (`project/<p>:env/<e>:flag/<key>;<tags>`), so a token may hold
 * an action on one flag and not on another, or lose it when a flag's tags change.
 */
export enum FeatBitAction {
  ToggleFlag = 'ToggleFlag',
  UpdateFlagVariations = 'UpdateFlagVariations',
  UpdateFlagOffVariation = 'UpdateFlagOffVariation',
  UpdateFlagDefaultRule = 'UpdateFlagDefaultRule',
  UpdateFlagIndividualTargeting = 'UpdateFlagIndividualTargeting',
  UpdateFlagTargetingRules = 'UpdateFlagTargetingRules',
  /** `PATCH …/feature-flags/{key}`: no permission attribute in FeatBit 5.4.2; a gateway or a later release may refuse it. */
  PatchFlag = 'PatchFlag',
  UpdateSegmentRules = 'UpdateSegmentRules',
  UpdateSegmentTargetingUsers = 'UpdateSegmentTargetingUsers',
}

/** What featgate knows about one action of its token on one flag. */
export enum PermissionState {
  Granted = 'granted',
  Missing = 'missing',
  /** Not probed (FeatBit checks it only inside a write) and not seen answered yet. */
  Unknown = 'unknown',
}

/** A request that reaches FeatBit's permission check for an action and then fails before anything is written. */
export interface PermissionProbeRequest {
  readonly method: 'PUT' | 'PATCH';
  /** Path below the flag's own path (`''` for the flag itself). */
  readonly subPath: string;
  readonly body: unknown;
}

/**
 * Non-writing probes, one per action FeatBit checks with `[Authorize(permission)]` before model binding and
 * validation (`BE Api/Authorization/DefaultPermissionChecker.cs`): a held permission gets the binding or validator
 * error (400), a missing one 403, and nothing is saved either way. JSON Patch is probed with an operation on a member
 * the entity does not have: FeatBit answers 200 `success:false` and saves nothing. Targeting permissions are checked
 * by FeatBit inside the handler, after the revision check and by what changes, so no request can probe them without
 * writing: they are learned from FeatBit's answers to featgate's own writes.
 */
export const PERMISSION_PROBES: Readonly<Partial<Record<FeatBitAction, PermissionProbeRequest>>> = {
  // `bool status` fails to bind from a word that is not a boolean: 400 problem details.
  [FeatBitAction.ToggleFlag]: { method: 'PUT', subPath: '/toggle/featgate-permission-probe', body: {} },
  // `UpdateVariationsValidator`: an empty list is `variations_is_invalid`, checked before the revision.
  [FeatBitAction.UpdateFlagVariations]: { method: 'PUT', subPath: '/variations', body: { variations: [] } },
  // `UpdateOffVariationValidator`: a blank id is `offVariationId_is_required`, checked before the revision.
  [FeatBitAction.UpdateFlagOffVariation]: { method: 'PUT', subPath: '/off-variation', body: { offVariationId: '' } },
  [FeatBitAction.PatchFlag]: {
    method: 'PATCH',
    subPath: '',
    body: [{ op: 'remove', path: '/featgatePermissionProbe' }],
  },
};

/** The actions a request can probe without writing. */
export const PROBED_ACTIONS: readonly FeatBitAction[] = Object.keys(PERMISSION_PROBES) as FeatBitAction[];

/**
 * Reads a probe's answer: 403 is a missing permission; 400 (binding or validator) and a 200 `success:false` are a
 * held one; anything else (404 for a flag deleted meanwhile, 5xx, no answer) says nothing.
 */
export function probeAnswer(status: number, envelopeSuccess: boolean | undefined): PermissionState {
  if (status === 403) return PermissionState.Missing;
  if (status === 400) return PermissionState.Granted;
  if (status >= 200 && status < 300 && envelopeSuccess === false) return PermissionState.Granted;
  return PermissionState.Unknown;
}
