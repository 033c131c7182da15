import type { ApprovedFlagState } from '../../src/approved-state/model/index.js';
import type { ConfigSurface } from '../../src/changes/model/index.js';
import type { FeatBitFlag, FeatBitSegment, RawFlag, RestFlag } from '../../src/featbit/model/index.js';
import { EnvironmentStrictness, resolveGovernedFlag, type Policy } from '../../policies/index.js';
import { EditVerdictKind, judgeFlagEdit, type EditVerdict } from './edit-verdict.js';
import { baselineOnlyConfiguration, flagsEqual, resolveBaselineVariationId, segmentsEqual } from './flag-config.js';
import type { FlagObservation } from './observe-flag.js';

/** What a flag job does about what it observed. */
export enum FlagDecisionKind {
  /** FeatBit has no such flag. */
  Missing = 'missing',
  /** Neither governed by the policy nor approved. */
  Ungoverned = 'ungoverned',
  /** FeatBit equals the approved state (or the edit changes nothing featgate compares). */
  Equal = 'equal',
  /** A governed flag nobody approved, already in its safe state: nothing to write, gates deny it. */
  Unapproved = 'unapproved',
  /** A governed flag nobody approved: converge it to its safe state and propose the admin's configuration. */
  Converge = 'converge',
  /** A governed flag nobody approved that featgate cannot parse: switch it off and raise it. */
  SwitchOffUnreadable = 'switch-off-unreadable',
  /** An approved flag featgate cannot parse: restore the approved configuration wholesale with one JSON Patch. */
  RestoreWholesale = 'restore-wholesale',
  /** An unauthorized edit: revert it, then propose it. */
  Revert = 'revert',
  /** An authorized edit: the approved state follows FeatBit. */
  Accept = 'accept',
}

/** Who owns a governed flag and what its baseline is, from the policy. */
export interface GovernedResolution {
  readonly surface: ConfigSurface;
  readonly owner: string;
  readonly baselineVariation: string;
}

/** The decision with everything its apply step needs; `enforce` false means record only (observe mode). */
export type FlagDecision =
  | {
      readonly kind:
        FlagDecisionKind.Missing | FlagDecisionKind.Ungoverned | FlagDecisionKind.Equal | FlagDecisionKind.Unapproved;
    }
  | {
      readonly kind: FlagDecisionKind.Converge;
      readonly live: RestFlag;
      readonly liveFlag: FeatBitFlag;
      readonly safe: FeatBitFlag;
      readonly baselineVariationId?: string;
      readonly resolution: GovernedResolution;
      readonly liveSegments: readonly FeatBitSegment[];
      readonly enforce: boolean;
    }
  | {
      readonly kind: FlagDecisionKind.SwitchOffUnreadable;
      readonly raw: RawFlag;
      readonly issues: readonly string[];
      readonly enforce: boolean;
    }
  | {
      readonly kind: FlagDecisionKind.RestoreWholesale;
      readonly approved: ApprovedFlagState;
      readonly raw: RawFlag;
      readonly issues: readonly string[];
      readonly enforce: boolean;
    }
  | {
      readonly kind: FlagDecisionKind.Revert;
      readonly approved: ApprovedFlagState;
      readonly live: RestFlag;
      readonly liveSegments: readonly FeatBitSegment[];
      readonly verdict: EditVerdict;
      /** Approved segments FeatBit holds unreadable: restored wholesale with the revert. */
      readonly unreadableSegmentIds: readonly string[];
      readonly enforce: boolean;
    }
  | {
      readonly kind: FlagDecisionKind.Accept;
      readonly approved: ApprovedFlagState;
      readonly live: RestFlag;
      readonly liveFlag: FeatBitFlag;
      readonly liveSegments: readonly FeatBitSegment[];
      readonly verdict: EditVerdict;
    };

/**
 * The pure decision of a flag job (ARCHITECTURE.md invariants 2-4, 10, 11): from what was observed and the policy,
 * without I/O. Once governed, always governed: a flag with an approved state is judged whatever its live tags, key or
 * type say. Equal → nothing; safe direction, descriptive-only, on/off, or within the applied stage of a live approved
 * change → accept; an approved segment featgate cannot read, or anything else → revert; unparseable → restore
 * wholesale. A governed flag nobody approved is never approved here: converged to its safe state, or switched off
 * when unreadable.
 */
export function decideFlag(observation: FlagObservation, policy: Policy): FlagDecision {
  const { raw, approved, shape } = observation;
  if (!raw || !shape) return { kind: FlagDecisionKind.Missing };
  if (!approved) {
    if (!shape.parsed) {
      const tags = Array.isArray(raw['tags'])
        ? (raw['tags'] as unknown[]).filter((tag): tag is string => typeof tag === 'string')
        : [];
      const resolution = resolveGovernedFlag(policy, observation.envId, { key: raw.key, tags });
      if (!resolution.governed) return { kind: FlagDecisionKind.Ungoverned };
      if (raw['isEnabled'] === false) return { kind: FlagDecisionKind.Unapproved };
      return {
        kind: FlagDecisionKind.SwitchOffUnreadable,
        raw,
        issues: shape.issues,
        enforce: resolution.environment.strictness === EnvironmentStrictness.Enforce,
      };
    }
    const resolution = resolveGovernedFlag(policy, observation.envId, shape.live);
    if (!resolution.governed) return { kind: FlagDecisionKind.Ungoverned };
    const baselineVariationId = resolveBaselineVariationId(shape.liveFlag, resolution.baselineVariation);
    const safe: FeatBitFlag = baselineVariationId
      ? { ...baselineOnlyConfiguration(shape.liveFlag, baselineVariationId), isEnabled: false }
      : { ...shape.liveFlag, isEnabled: false };
    if (flagsEqual(shape.liveFlag, safe)) return { kind: FlagDecisionKind.Unapproved };
    return {
      kind: FlagDecisionKind.Converge,
      live: shape.live,
      liveFlag: shape.liveFlag,
      safe,
      ...(baselineVariationId ? { baselineVariationId } : {}),
      resolution: {
        surface: resolution.surface,
        owner: resolution.owner,
        baselineVariation: resolution.baselineVariation,
      },
      liveSegments: observation.liveSegments,
      enforce: resolution.environment.strictness === EnvironmentStrictness.Enforce,
    };
  }
  const environment = resolveGovernedFlag(policy, observation.envId, { key: approved.flagKey }).environment;
  if (!environment) return { kind: FlagDecisionKind.Ungoverned };
  const enforce = environment.strictness === EnvironmentStrictness.Enforce;
  if (!shape.parsed) return { kind: FlagDecisionKind.RestoreWholesale, approved, raw, issues: shape.issues, enforce };
  const { live, liveFlag } = shape;
  const { liveSegments, unreadableSegmentIds } = observation;
  const segmentsUnchanged = approved.segments.every((segment) =>
    liveSegments.some((current) => current.id === segment.id && segmentsEqual(current, segment)),
  );
  if (flagsEqual(liveFlag, approved.flag) && segmentsUnchanged) return { kind: FlagDecisionKind.Equal };
  const verdict = judgeFlagEdit({
    approved: approved.flag,
    live: liveFlag,
    baselineVariationId: approved.baselineVariationId,
    segmentsBefore: approved.segments,
    segmentsAfter: liveSegments,
  });
  // An approved segment FeatBit holds in a shape featgate cannot parse is never accepted: it is restored wholesale.
  const unreadableApproved = unreadableSegmentIds.filter((id) =>
    approved.segments.some((segment) => segment.id === id),
  );
  if (unreadableApproved.length > 0) {
    const unknown: EditVerdict = {
      ...verdict,
      kind: EditVerdictKind.Unauthorized,
      changes: [...verdict.changes, EditVerdictKind.UnknownShape],
    };
    return {
      kind: FlagDecisionKind.Revert,
      approved,
      live,
      liveSegments,
      verdict: unknown,
      unreadableSegmentIds: unreadableApproved,
      enforce,
    };
  }
  if (verdict.kind === EditVerdictKind.Equal) return { kind: FlagDecisionKind.Equal };
  if (verdict.kind !== EditVerdictKind.Unauthorized)
    return { kind: FlagDecisionKind.Accept, approved, live, liveFlag, liveSegments, verdict };
  // Wider than the approved state (say, re-enabling after a kill switch during a ramp) is still approved when it stays
  // within the configuration the release wrote for the current stage of a live approved change.
  if (observation.stage) {
    const againstStage = judgeFlagEdit({
      approved: observation.stage.flag,
      live: liveFlag,
      baselineVariationId: approved.baselineVariationId,
      segmentsBefore: observation.stage.segments,
      segmentsAfter: liveSegments,
    });
    if (againstStage.kind !== EditVerdictKind.Unauthorized)
      return {
        kind: FlagDecisionKind.Accept,
        approved,
        live,
        liveFlag,
        liveSegments,
        verdict: { ...verdict, kind: EditVerdictKind.WithinApprovedStage },
      };
  }
  return { kind: FlagDecisionKind.Revert, approved, live, liveSegments, verdict, unreadableSegmentIds, enforce };
}
