import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FeatBitAction,
  FeatBitApiError,
  FeatBitConflictError,
  FeatBitForbiddenError,
  FeatBitUnavailableError,
  PermissionState,
  probeAnswer,
} from '../../../src/featbit/rest-client/index.js';
import {
  actionsOfRequest,
  chooseRevertRoute,
  isPermanentFailure,
  RevertBlockedError,
  RevertNotRestoredError,
  RevertRoute,
} from '../../../webhooks/index.js';

const actions = Object.values(FeatBitAction);
const states = Object.values(PermissionState);

describe('the route of a revert, chosen before its first write', () => {
  it('is guarded when nothing it needs is known missing', () => {
    expect(
      chooseRevertRoute([FeatBitAction.UpdateFlagDefaultRule, FeatBitAction.PatchFlag], () => PermissionState.Unknown),
    ).toEqual({ route: RevertRoute.Guarded, missing: [] });
  });

  it('is one JSON Patch when a guarded endpoint it needs is refused and PATCH is not', () => {
    const stateOf = (action: FeatBitAction) =>
      action === FeatBitAction.UpdateFlagVariations ? PermissionState.Missing : PermissionState.Granted;
    expect(
      chooseRevertRoute([FeatBitAction.UpdateFlagVariations, FeatBitAction.UpdateFlagDefaultRule], stateOf),
    ).toEqual({ route: RevertRoute.Wholesale, missing: [FeatBitAction.UpdateFlagVariations] });
  });

  it('is blocked, naming PATCH too, when PATCH is refused as well', () => {
    const stateOf = (action: FeatBitAction) =>
      action === FeatBitAction.UpdateFlagVariations || action === FeatBitAction.PatchFlag
        ? PermissionState.Missing
        : PermissionState.Granted;
    expect(chooseRevertRoute([FeatBitAction.UpdateFlagVariations], stateOf)).toEqual({
      route: RevertRoute.Blocked,
      missing: [FeatBitAction.UpdateFlagVariations, FeatBitAction.PatchFlag],
    });
  });

  it('never goes the guarded way with a needed action known missing, and never blocks while a route is open', () => {
    fc.assert(
      fc.property(
        fc.subarray(actions),
        fc.dictionary(fc.constantFrom(...actions), fc.constantFrom(...states)),
        (needed, known) => {
          const stateOf = (action: FeatBitAction) =>
            (known[action] as PermissionState | undefined) ?? PermissionState.Unknown;
          const { route, missing } = chooseRevertRoute(needed, stateOf);
          const neededMissing = needed.filter((action) => stateOf(action) === PermissionState.Missing);
          if (neededMissing.length === 0) expect(route).toBe(RevertRoute.Guarded);
          else if (stateOf(FeatBitAction.PatchFlag) === PermissionState.Missing)
            expect(route).toBe(RevertRoute.Blocked);
          else expect(route).toBe(RevertRoute.Wholesale);
          for (const action of neededMissing) expect(missing).toContain(action);
        },
      ),
    );
  });
});

describe('what a refused request teaches about the token', () => {
  it('maps each endpoint to the FeatBit action it checks', () => {
    const flag = 'PUT /api/v1/envs/e/feature-flags/k';
    expect(actionsOfRequest(`${flag}/variations`, [])).toEqual([FeatBitAction.UpdateFlagVariations]);
    expect(actionsOfRequest(`${flag}/off-variation`, [])).toEqual([FeatBitAction.UpdateFlagOffVariation]);
    expect(actionsOfRequest(`${flag}/targeting`, [FeatBitAction.UpdateFlagDefaultRule])).toEqual([
      FeatBitAction.UpdateFlagDefaultRule,
    ]);
    expect(actionsOfRequest(`${flag}/toggle/false`, [])).toEqual([FeatBitAction.ToggleFlag]);
    expect(actionsOfRequest('PATCH /api/v1/envs/e/feature-flags/k', [])).toEqual([FeatBitAction.PatchFlag]);
  });

  it('reads a probe answer: 403 missing, 400 or a refused patch held, anything else unknown', () => {
    expect(probeAnswer(403, false)).toBe(PermissionState.Missing);
    expect(probeAnswer(400, undefined)).toBe(PermissionState.Granted);
    expect(probeAnswer(200, false)).toBe(PermissionState.Granted);
    expect(probeAnswer(200, true)).toBe(PermissionState.Unknown);
    expect(probeAnswer(404, false)).toBe(PermissionState.Unknown);
    expect(probeAnswer(500, false)).toBe(PermissionState.Unknown);
  });
});

describe('permanent job failures', () => {
  const details = (status: number) => ({ status, errors: ['x'], request: 'PUT /x' });
  it('are the 4xx answers other than 408, 409, 425 and 429, and a blocked revert', () => {
    expect(isPermanentFailure(new FeatBitForbiddenError(details(403)))).toBe(true);
    expect(isPermanentFailure(new FeatBitApiError(details(400)))).toBe(true);
    expect(isPermanentFailure(new RevertBlockedError('e', 'k', [FeatBitAction.PatchFlag]))).toBe(true);
    expect(isPermanentFailure(new FeatBitConflictError(details(409)))).toBe(false);
    expect(isPermanentFailure(new FeatBitApiError(details(429)))).toBe(false);
    expect(isPermanentFailure(new FeatBitUnavailableError(details(503)))).toBe(false);
    expect(isPermanentFailure(new RevertNotRestoredError('e', 'k', 'rules'))).toBe(false);
    expect(isPermanentFailure(new Error('socket hang up'))).toBe(false);
  });
});
