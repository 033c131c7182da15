import {
  flagSchema,
  segmentSchema,
  type FeatBitFlag,
  type FeatBitSegment,
} from '../../../../src/featbit/model/index.js';
import type { SegmentLookup } from '@featgate/openfeature/evaluator';
import { readReference } from '../../../support/reference.js';

/** The evaluation server's reference flags, parsed. */
export function referenceFlags(): FeatBitFlag[] {
  return (readReference('server-sdk-flags.eval-server-fakes.json') as unknown[]).map((flag) => flagSchema.parse(flag));
}

/** The evaluation server's reference segments, parsed. */
export function referenceSegments(): FeatBitSegment[] {
  return (readReference('server-sdk-segments.eval-server-fakes.json') as unknown[]).map((segment) =>
    segmentSchema.parse(segment),
  );
}

/** A lookup over the given segments. */
export function lookupOf(segments: readonly FeatBitSegment[]): SegmentLookup {
  const byId = new Map(segments.map((segment) => [segment.id, segment]));
  return (id) => byId.get(id);
}

/** One reference flag by key. */
export function referenceFlag(key: string): FeatBitFlag {
  const flag = referenceFlags().find((candidate) => candidate.key === key);
  if (!flag) throw new Error(`no reference flag ${key}`);
  return flag;
}
