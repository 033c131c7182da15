import { diffFlag, ExposureVerdict, FlagChangeKind, type FlagDiff } from '../../src/featbit/diff/index.js';
import type { FeatBitFlag, FeatBitSegment } from '../../src/featbit/model/index.js';

/** What the bridge decides about FeatBit's live configuration compared with the approved one. */
export enum EditVerdictKind {
  /** Nothing to do: FeatBit equals the approved state (this is how featgate's own writes never loop). */
  Equal = 'equal',
  /** Exposure of every non-baseline variation is unchanged or smaller and no content changed: accept. */
  SafeDirection = 'safe-direction',
  /** Only descriptive fields changed (name, description, tags): the policy rates it low, accept. */
  LowRisk = 'low-risk',
  /**
   * Only the on/off state moved, and the configuration served when on is the approved one (or narrower): a kill
   * switch, or switching back on into the last approved on-configuration (ARCHITECTURE.md invariant 10). Accept.
   */
  OnOff = 'on-off',
  /** Wider than the approved state but within the configuration of the applied stage of a live approved change: accept. */
  WithinApprovedStage = 'within-approved-stage',
  /** FeatBit holds the flag in a shape featgate's model rejects: unauthorized by definition, restored wholesale. */
  UnknownShape = 'unknown-shape',
  /** A governed flag nobody approved: converged to its safe state and proposed, never approved by featgate itself. */
  NeverApproved = 'never-approved',
  /** Exposure widened or a variation's content changed: revert and propose. */
  Unauthorized = 'unauthorized',
}

/** The verdict plus the facts behind it, recorded in the ledger. */
export interface EditVerdict {
  readonly kind: EditVerdictKind;
  /** Readable change kinds, in diff order. */
  readonly changes: readonly string[];
  /** Exposure verdict per non-baseline variation id. */
  readonly exposure: Readonly<Record<string, string>>;
  readonly contentChanged: boolean;
  /** Variations whose exposure widened. */
  readonly widened: readonly string[];
}

/** Change kinds the playbook rates low when they are the only changes: descriptive fields. */
const DESCRIPTIVE_CHANGES: ReadonlySet<string> = new Set([
  FlagChangeKind.NameChanged,
  FlagChangeKind.DescriptionChanged,
  FlagChangeKind.TagsChanged,
]);

/**
 * Judges a live configuration against the approved one with the semantic diff (sound: it never calls a widening
 * a narrowing). Safe-direction edits (ARCHITECTURE.md invariant 2) and descriptive-only edits are accepted; anything
 * that widens exposure or changes what a variation contains is unauthorized.
 */
export function judgeEdit(input: {
  readonly approved: FeatBitFlag;
  readonly live: FeatBitFlag;
  readonly baselineVariationId: string;
  readonly segmentsBefore: readonly FeatBitSegment[];
  readonly segmentsAfter: readonly FeatBitSegment[];
}): EditVerdict {
  const diff: FlagDiff = diffFlag(input.approved, input.live, {
    baselineVariationId: input.baselineVariationId,
    segmentsBefore: input.segmentsBefore,
    segmentsAfter: input.segmentsAfter,
  });
  const changes = diff.changes.map((change) => String(change.kind));
  const exposure = { ...diff.exposure } as Record<string, string>;
  const widened = [...diff.widenedVariationIds];
  const base = { changes, exposure, contentChanged: diff.contentChanged, widened };
  if (changes.length === 0) return { kind: EditVerdictKind.Equal, ...base };
  // A new key is a new flag to every application and moves every bucket: never accepted without approval.
  if (widened.length > 0 || diff.contentChanged || changes.includes(FlagChangeKind.KeyChanged))
    return { kind: EditVerdictKind.Unauthorized, ...base };
  if (changes.every((kind) => DESCRIPTIVE_CHANGES.has(kind))) return { kind: EditVerdictKind.LowRisk, ...base };
  return { kind: EditVerdictKind.SafeDirection, ...base };
}

/** The flag as it would be with its switch on: what "the configuration approved when on" compares. */
export function switchedOn<F extends FeatBitFlag>(flag: F): F {
  return flag.isEnabled ? flag : { ...flag, isEnabled: true };
}

/**
 * Judges a live flag with on/off kept apart from the configuration (ARCHITECTURE.md invariant 10): the configuration
 * served when on is judged against the approved one as if both were on, so a switch-off never makes an unapproved
 * widening look like a narrowing (off + 50% is not "narrower" than on + 5%: switching back on would serve 50%), and
 * switching on is judged against the last approved on-configuration. The off variation is judged on its own: an off
 * variation other than the baseline or the approved one is unauthorized, so a later honest kill switch cannot serve it.
 * The change list is the whole flag's, toggle included.
 */
export function judgeFlagEdit(input: {
  readonly approved: FeatBitFlag;
  readonly live: FeatBitFlag;
  readonly baselineVariationId: string;
  readonly segmentsBefore: readonly FeatBitSegment[];
  readonly segmentsAfter: readonly FeatBitSegment[];
}): EditVerdict {
  const whole = judgeEdit(input);
  if (whole.kind === EditVerdictKind.Equal) return whole;
  const onConfiguration = judgeEdit({ ...input, approved: switchedOn(input.approved), live: switchedOn(input.live) });
  const offVariation = input.live.disabledVariationId;
  const offVariationWidened =
    offVariation !== input.baselineVariationId && offVariation !== input.approved.disabledVariationId;
  const widened = [...new Set([...onConfiguration.widened, ...(offVariationWidened ? [offVariation] : [])])];
  const exposure = {
    ...onConfiguration.exposure,
    ...(offVariationWidened ? { [offVariation]: ExposureVerdict.Widened } : {}),
  };
  const base = { changes: whole.changes, exposure, contentChanged: onConfiguration.contentChanged, widened };
  if (onConfiguration.kind === EditVerdictKind.Unauthorized || widened.length > 0)
    return { kind: EditVerdictKind.Unauthorized, ...base };
  if (onConfiguration.kind === EditVerdictKind.Equal) return { kind: EditVerdictKind.OnOff, ...base };
  return { kind: onConfiguration.kind, ...base };
}
