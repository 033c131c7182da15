import { canonicalJson, type JsonValue } from '../../src/canonical/index.js';
import type { FeatBitFlag } from '../../src/featbit/model/index.js';
import type { JsonPatchOperation } from '../../src/featbit/rest-client/index.js';
import { comparableTargeting } from '../../src/releases/index.js';

/**
 * Governed fields FeatBit has no revision-guarded endpoint for, written with JSON Patch (authentication only in
 * FeatBit 5.4.2): key, name, description, tags, variation type and archive state. The approved state carries them
 * (ARCHITECTURE.md invariant 11), so a revert writes them back too.
 */
const PATCHED_FIELDS = ['name', 'description', 'tags', 'variationType', 'isArchived', 'key'] as const;

/** Every field of a flag a wholesale restore writes: the whole approved configuration but its on/off switch. */
const WHOLESALE_FIELDS = [
  'name',
  'description',
  'tags',
  'variationType',
  'isArchived',
  'variations',
  'targetUsers',
  'rules',
  'fallthrough',
  'exptIncludeAllTargets',
  'disabledVariationId',
  'key',
] as const;

function approvedValue(approved: FeatBitFlag, field: (typeof WHOLESALE_FIELDS)[number]): JsonValue {
  switch (field) {
    case 'variations':
      return approved.variations.map(({ id, name, value }) => ({ id, name, value }));
    case 'targetUsers':
    case 'rules':
    case 'fallthrough':
    case 'exptIncludeAllTargets':
      return comparableTargeting(approved)[field] as JsonValue;
    case 'tags':
      return [...approved.tags];
    default:
      return approved[field];
  }
}

/**
 * The JSON Patch that writes back the governed fields the guarded endpoints cannot (key last, so the request path,
 * the live key, stays valid until the end); empty when they already match. `live` is FeatBit's document as read.
 */
export function governedFieldPatch(
  live: Readonly<Record<string, unknown>>,
  approved: FeatBitFlag,
): JsonPatchOperation[] {
  return PATCHED_FIELDS.filter(
    (field) => canonicalJson((live[field] ?? null) as JsonValue) !== canonicalJson(approvedValue(approved, field)),
  ).map((field) => ({
    op: 'add' as const,
    path: `/${field}`,
    value: approvedValue(approved, field),
  }));
}

/**
 * The one JSON Patch that restores a flag featgate cannot parse: every configuration field replaced by the approved
 * one in a single atomic write (no intermediate state), without needing to understand the live document. The switch
 * is left as FeatBit has it when it is a boolean (a kill switch stays), and set off when it is anything else.
 */
export function wholesaleRestorePatch(
  live: Readonly<Record<string, unknown>>,
  approved: FeatBitFlag,
): JsonPatchOperation[] {
  const operations: JsonPatchOperation[] = WHOLESALE_FIELDS.map((field) => ({
    op: 'add' as const,
    path: `/${field}`,
    value: approvedValue(approved, field),
  }));
  if (typeof live['isEnabled'] !== 'boolean') operations.unshift({ op: 'add', path: '/isEnabled', value: false });
  return operations;
}
