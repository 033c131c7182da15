import {
  compileOperator,
  isSegmentCondition,
  MalformedFlagError,
  OperatorType,
  parseSegmentIds,
  type SegmentLookup,
} from '@featgate/openfeature/evaluator';
import type { Condition, FeatBitFlag, FeatBitSegment } from '../model/index.js';

/**
 * Checks that a property condition's data can be read. Regex conditions are not compiled nor run here: the diff
 * treats them as unprovable predicates, so a pattern featgate's engine cannot compile (valid .NET, say) never makes
 * a legitimate edit look malformed.
 */
function checkPropertyCondition(condition: Condition): void {
  if (condition.op === OperatorType.MatchRegex || condition.op === OperatorType.NotMatchRegex) return;
  compileOperator(condition.op, condition.value)('');
}

/** Segment ids a flag's rules name (segment conditions with unreadable values are skipped). */
export function referencedSegmentIds(flag: FeatBitFlag): string[] {
  const ids = new Set<string>();
  for (const rule of flag.rules) {
    for (const condition of rule.conditions) {
      if (!isSegmentCondition(condition)) continue;
      try {
        for (const id of parseSegmentIds(condition.value)) ids.add(id);
      } catch {
        continue;
      }
    }
  }
  return [...ids];
}

/**
 * Why the flag cannot always be evaluated (a condition value the server rejects, an unknown segment, a reference
 * to a missing variation), or undefined when every part is usable. Exposure proofs treat conditions as exact
 * predicates, which only holds for well-formed data.
 */
export function findMalformed(flag: FeatBitFlag, segments: SegmentLookup<FeatBitSegment>): string | undefined {
  const variationIds = new Set(flag.variations.map((variation) => variation.id));
  const referenced = [
    flag.disabledVariationId,
    ...flag.targetUsers.map((target) => target.variationId),
    ...flag.rules.flatMap((rule) => rule.variations.map((entry) => entry.id)),
    ...flag.fallthrough.variations.map((entry) => entry.id),
  ];
  const missing = referenced.find((id) => !variationIds.has(id));
  if (missing !== undefined) return `variation ${missing} does not exist`;
  try {
    for (const rule of flag.rules) {
      for (const condition of rule.conditions) {
        if (!isSegmentCondition(condition)) {
          checkPropertyCondition(condition);
          continue;
        }
        for (const id of parseSegmentIds(condition.value)) {
          const segment = segments(id);
          if (segment === undefined) return `segment ${id} does not exist`;
          for (const segmentRule of segment.rules) segmentRule.conditions.forEach(checkPropertyCondition);
        }
      }
    }
  } catch (error) {
    if (error instanceof MalformedFlagError) return error.message;
    throw error;
  }
  return undefined;
}
