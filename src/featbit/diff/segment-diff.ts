import { canonicalJson } from '../../canonical/index.js';
import type { FeatBitSegment, SegmentRule } from '../model/index.js';
import { ExposureVerdict } from './exposure-verdict.js';
import { isSegmentContained } from './segment-containment.js';

/** What changed in a segment. FeatBit sends segment webhooks for these, never flag webhooks for referencing flags. */
export enum SegmentChangeKind {
  Added = 'Added',
  Removed = 'Removed',
  NameChanged = 'NameChanged',
  DescriptionChanged = 'DescriptionChanged',
  TagsChanged = 'TagsChanged',
  Archived = 'Archived',
  Restored = 'Restored',
  IncludedAdded = 'IncludedAdded',
  IncludedRemoved = 'IncludedRemoved',
  ExcludedAdded = 'ExcludedAdded',
  ExcludedRemoved = 'ExcludedRemoved',
  RuleAdded = 'RuleAdded',
  RuleRemoved = 'RuleRemoved',
  RuleChanged = 'RuleChanged',
}

/** One segment change; `kind` discriminates. */
export type SegmentChange =
  | {
      readonly kind:
        SegmentChangeKind.Added | SegmentChangeKind.Removed | SegmentChangeKind.Archived | SegmentChangeKind.Restored;
    }
  | {
      readonly kind: SegmentChangeKind.NameChanged | SegmentChangeKind.DescriptionChanged;
      readonly before: string;
      readonly after: string;
    }
  | {
      readonly kind: SegmentChangeKind.TagsChanged;
      readonly added: readonly string[];
      readonly removed: readonly string[];
    }
  | {
      readonly kind:
        | SegmentChangeKind.IncludedAdded
        | SegmentChangeKind.IncludedRemoved
        | SegmentChangeKind.ExcludedAdded
        | SegmentChangeKind.ExcludedRemoved;
      readonly keyIds: readonly string[];
    }
  | { readonly kind: SegmentChangeKind.RuleAdded | SegmentChangeKind.RuleRemoved; readonly rule: SegmentRule }
  | { readonly kind: SegmentChangeKind.RuleChanged; readonly before: SegmentRule; readonly after: SegmentRule };

/** The changes of one segment and how its membership moved (`Narrowed`: every member after was a member before). */
export interface SegmentDiff {
  readonly segmentId: string;
  readonly changes: readonly SegmentChange[];
  readonly membership: ExposureVerdict;
}

function without(items: readonly string[], others: readonly string[]): string[] {
  const set = new Set(others);
  return [...new Set(items.filter((item) => !set.has(item)))];
}

const ruleContent = (rule: SegmentRule) =>
  canonicalJson(rule.conditions.map(({ property, op, value }) => ({ property, op, value })));

function ruleChanges(before: readonly SegmentRule[], after: readonly SegmentRule[]): SegmentChange[] {
  const changes: SegmentChange[] = [];
  const byId = before.every((rule) => rule.id) && after.every((rule) => rule.id);
  const keyOf = (rule: SegmentRule, index: number) => (byId ? rule.id : String(index));
  const afterByKey = new Map(after.map((rule, index) => [keyOf(rule, index), rule]));
  const beforeKeys = new Set(before.map(keyOf));
  before.forEach((rule, index) => {
    const next = afterByKey.get(keyOf(rule, index));
    if (next === undefined) changes.push({ kind: SegmentChangeKind.RuleRemoved, rule });
    else if (ruleContent(rule) !== ruleContent(next) || rule.name !== next.name)
      changes.push({ kind: SegmentChangeKind.RuleChanged, before: rule, after: next });
  });
  after.forEach((rule, index) => {
    if (!beforeKeys.has(keyOf(rule, index))) changes.push({ kind: SegmentChangeKind.RuleAdded, rule });
  });
  return changes;
}

function listSegmentChanges(before: FeatBitSegment, after: FeatBitSegment): SegmentChange[] {
  const changes: SegmentChange[] = [];
  if (before.isArchived !== after.isArchived)
    changes.push({ kind: after.isArchived ? SegmentChangeKind.Archived : SegmentChangeKind.Restored });
  if (before.name !== after.name)
    changes.push({ kind: SegmentChangeKind.NameChanged, before: before.name, after: after.name });
  if (before.description !== after.description)
    changes.push({ kind: SegmentChangeKind.DescriptionChanged, before: before.description, after: after.description });
  const [tagsAdded, tagsRemoved] = [without(after.tags, before.tags), without(before.tags, after.tags)];
  if (tagsAdded.length > 0 || tagsRemoved.length > 0)
    changes.push({ kind: SegmentChangeKind.TagsChanged, added: tagsAdded, removed: tagsRemoved });
  const lists = [
    [SegmentChangeKind.IncludedAdded, without(after.included, before.included)],
    [SegmentChangeKind.IncludedRemoved, without(before.included, after.included)],
    [SegmentChangeKind.ExcludedAdded, without(after.excluded, before.excluded)],
    [SegmentChangeKind.ExcludedRemoved, without(before.excluded, after.excluded)],
  ] as const;
  for (const [kind, keyIds] of lists) if (keyIds.length > 0) changes.push({ kind, keyIds });
  changes.push(...ruleChanges(before.rules, after.rules));
  return changes;
}

/**
 * Diffs two states of a segment (either may be missing): its changes and whether its membership is proven
 * unchanged, proven narrowed (members only lost), or possibly widened. A segment that appears counts as widened,
 * one that disappears as narrowed (a flag naming a missing segment fails to evaluate).
 */
export function diffSegment(
  segmentId: string,
  before: FeatBitSegment | undefined,
  after: FeatBitSegment | undefined,
): SegmentDiff {
  if (before === undefined && after === undefined)
    return { segmentId, changes: [], membership: ExposureVerdict.Unchanged };
  if (before === undefined)
    return { segmentId, changes: [{ kind: SegmentChangeKind.Added }], membership: ExposureVerdict.Widened };
  if (after === undefined)
    return { segmentId, changes: [{ kind: SegmentChangeKind.Removed }], membership: ExposureVerdict.Narrowed };
  const changes = listSegmentChanges(before, after);
  if (!isSegmentContained(after, before)) return { segmentId, changes, membership: ExposureVerdict.Widened };
  const membership = isSegmentContained(before, after) ? ExposureVerdict.Unchanged : ExposureVerdict.Narrowed;
  return { segmentId, changes, membership };
}
