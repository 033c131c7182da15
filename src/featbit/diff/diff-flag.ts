import type { SegmentLookup } from '@featgate/openfeature/evaluator';
import type { FeatBitFlag, FeatBitSegment } from '../model/index.js';
import { BucketGrid } from './bucket-grid.js';
import { ExposureProof } from './exposure-proof.js';
import { ExposureVerdict } from './exposure-verdict.js';
import { FlagChangeKind, type FlagChange } from './flag-change.js';
import { findMalformed, referencedSegmentIds } from './flag-integrity.js';
import { buildSideModel, canServe } from './flag-side-model.js';
import { FlagSide } from './flag-side.js';
import { listFlagChanges } from './list-flag-changes.js';
import { diffSegment, type SegmentDiff } from './segment-diff.js';
import { SegmentSides } from './segment-containment.js';

/** Segments given as a list or as a lookup by id. */
export type SegmentSource = SegmentLookup<FeatBitSegment> | readonly FeatBitSegment[];

/** What `diffFlag` needs besides the two flag states. */
export interface DiffFlagOptions {
  /** The variation served outside any approved exposure; its exposure is not judged, only its content. */
  readonly baselineVariationId: string;
  /** Segments as they were with the `before` flag (at least those it references). */
  readonly segmentsBefore?: SegmentSource;
  /** Segments as they are with the `after` flag. */
  readonly segmentsAfter?: SegmentSource;
}

/** The semantic difference between two states of a flag. */
export interface FlagDiff {
  /** Every change, in FeatBit's comparison order, then one `ReferencedSegmentChanged` per changed segment. */
  readonly changes: readonly FlagChange[];
  /** Per non-baseline variation id (of either state): how the set of contexts receiving it moved. */
  readonly exposure: Readonly<Record<string, ExposureVerdict>>;
  /** Whether any variation's content changed (its value, or the variation type of the flag). */
  readonly contentChanged: boolean;
  /** Variations whose content changed. */
  readonly contentChangedVariationIds: readonly string[];
  /** Non-baseline variations whose exposure may have widened. */
  readonly widenedVariationIds: readonly string[];
  /** Changes and membership direction of every segment either state references. */
  readonly segments: readonly SegmentDiff[];
  /** Set when either state holds data FeatBit cannot evaluate: no narrowing is then claimed for served variations. */
  readonly malformed?: string;
}

function toLookup(source: SegmentSource | undefined): SegmentLookup<FeatBitSegment> {
  if (source === undefined) return () => undefined;
  if (typeof source === 'function') return source;
  const byId = new Map((source as readonly FeatBitSegment[]).map((segment) => [segment.id, segment]));
  return (id) => byId.get(id);
}

function contentChangedIds(before: FeatBitFlag, after: FeatBitFlag): string[] {
  if (before.variationType !== after.variationType) return after.variations.map((variation) => variation.id);
  const beforeValues = new Map(before.variations.map((variation) => [variation.id, variation.value]));
  return after.variations
    .filter((variation) => beforeValues.has(variation.id) && beforeValues.get(variation.id) !== variation.value)
    .map((variation) => variation.id);
}

/**
 * Diffs two states of a flag (plus the segments each references): the list of changes, including those FeatBit
 * sends no webhook for, and a sound exposure verdict per non-baseline variation. `Narrowed`/`Unchanged` are only
 * claimed when proven by walking FeatBit's decision list (off → targets → rules → default rule) with range
 * containment on the same dispatch key, condition-set implication and the direction of segment changes; a
 * variation whose content changed and that anyone can still receive is `Widened`.
 */
export function diffFlag(before: FeatBitFlag, after: FeatBitFlag, options: DiffFlagOptions): FlagDiff {
  const segmentsBefore = toLookup(options.segmentsBefore);
  const segmentsAfter = toLookup(options.segmentsAfter);
  const segmentIds = [...new Set([...referencedSegmentIds(before), ...referencedSegmentIds(after)])];
  const segments = segmentIds.map((id) => diffSegment(id, segmentsBefore(id), segmentsAfter(id)));
  const changes: FlagChange[] = [...listFlagChanges(before, after)];
  for (const segment of segments) {
    if (segment.changes.length > 0) {
      changes.push({
        kind: FlagChangeKind.ReferencedSegmentChanged,
        segmentId: segment.segmentId,
        membership: segment.membership,
        featbitEvent: null,
      });
    }
  }

  const grid = new BucketGrid([
    before.fallthrough.variations,
    after.fallthrough.variations,
    ...before.rules.map((rule) => rule.variations),
    ...after.rules.map((rule) => rule.variations),
  ]);
  const beforeModel = buildSideModel(FlagSide.Before, before, segmentsBefore, grid);
  const afterModel = buildSideModel(FlagSide.After, after, segmentsAfter, grid);
  const sides = new SegmentSides(segmentsBefore, segmentsAfter);
  const widening = new ExposureProof(afterModel, beforeModel, sides);
  const narrowing = new ExposureProof(beforeModel, afterModel, sides);
  const malformed = findMalformed(before, segmentsBefore) ?? findMalformed(after, segmentsAfter);
  const contentChangedVariationIds = contentChangedIds(before, after);
  const contentChanged = contentChangedVariationIds.length > 0;

  const exposure: Record<string, ExposureVerdict> = {};
  const variationIds = new Set([...before.variations, ...after.variations].map((variation) => variation.id));
  variationIds.delete(options.baselineVariationId);
  for (const variationId of variationIds) {
    const servedAfter = canServe(afterModel, variationId);
    const unprovable = servedAfter && (malformed !== undefined || contentChangedVariationIds.includes(variationId));
    if (unprovable || !widening.contained(variationId)) exposure[variationId] = ExposureVerdict.Widened;
    else
      exposure[variationId] = narrowing.contained(variationId) ? ExposureVerdict.Unchanged : ExposureVerdict.Narrowed;
  }
  const widenedVariationIds = Object.keys(exposure).filter((id) => exposure[id] === ExposureVerdict.Widened);
  return {
    changes,
    exposure,
    contentChanged,
    contentChangedVariationIds,
    widenedVariationIds,
    segments,
    ...(malformed === undefined ? {} : { malformed }),
  };
}
