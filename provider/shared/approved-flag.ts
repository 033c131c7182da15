import { matchConditions, type SegmentLookup } from '../../src/featbit/evaluator/condition-matcher.js';
import { isNullOrWhiteSpace, userValue, type FeatBitUser } from '../../src/featbit/evaluator/featbit-user.js';
import { isKeyListed } from '../../src/featbit/evaluator/key-list.js';
import type { FeatBitSegment } from '../../src/featbit/model/segment.js';
import { convertFeatBitValue, type ConvertedValue, type RequestedType } from '../../src/manifest/featbit-value.js';
import type { GrantRollout, ManifestFlag } from '../../src/manifest/manifest-schema.js';
import type { BucketFunction } from './featbit-bucket.js';
import { NO_KEY, valueKey, type ValueKey } from './value-key.js';

/**
 * The approved variations of a flag as one OpenFeature type reads them, with a by-value lookup that is a hash
 * lookup, answered by identity for a value object (or string instance) seen before.
 */
export class TypedVariations {
  /** Each variation's value converted as FeatBit's SDK would for this type. */
  readonly values = new Map<string, ConvertedValue>();
  /** Per variation id, the first variation id with the same value (variations may share a value). */
  readonly representative = new Map<string, string>();
  private readonly byKey = new Map<ValueKey, string>();
  private readonly seenObjects = new WeakMap<object, string | null>();
  private lastPrimitive: unknown = NO_KEY;
  private lastPrimitiveId: string | undefined;

  constructor(
    readonly type: RequestedType,
    variations: ReadonlyArray<{ id: string; value: string }>,
  ) {
    for (const variation of variations) {
      const converted = convertFeatBitValue(variation.value, type);
      this.values.set(variation.id, converted);
      const key = converted.convertible ? valueKey(type, converted.value) : NO_KEY;
      if (key !== NO_KEY && !this.byKey.has(key)) this.byKey.set(key, variation.id);
      this.representative.set(variation.id, key === NO_KEY ? variation.id : this.byKey.get(key)!);
    }
  }

  /** The (representative) id of the approved variation whose value equals `value`, if any. */
  idOf(value: unknown): string | undefined {
    if (typeof value === 'object' && value !== null) {
      const seen = this.seenObjects.get(value);
      if (seen !== undefined) return seen ?? undefined;
      const key = valueKey(this.type, value);
      const id = key === NO_KEY ? undefined : this.byKey.get(key);
      this.seenObjects.set(value, id ?? null);
      return id;
    }
    if (value === this.lastPrimitive) return this.lastPrimitiveId;
    const key = valueKey(this.type, value);
    const id = key === NO_KEY ? undefined : this.byKey.get(key);
    this.lastPrimitive = value;
    this.lastPrimitiveId = id;
    return id;
  }
}

/**
 * One governed flag of a verified manifest, ready for gating: its approved variations per requested type and its
 * grants, evaluated with FeatBit's decision order, operators (the project's evaluator) and bucketing.
 */
export class ApprovedFlag {
  readonly baselineVariationId: string;
  readonly version: number;
  private readonly views = new Map<RequestedType, TypedVariations>();
  private readonly segmentsById: Map<string, FeatBitSegment>;
  private readonly lookupSegment: SegmentLookup;

  constructor(
    readonly key: string,
    private readonly entry: ManifestFlag,
    private readonly bucket: BucketFunction,
  ) {
    this.baselineVariationId = entry.baseline.variationId;
    this.version = entry.version;
    this.segmentsById = new Map(
      entry.grants.segments.map((segment) => [
        segment.id,
        { ...segment, name: '', description: '', tags: [], isArchived: false, rules: segment.rules.map((rule) => ({ id: '', name: '', ...rule })) },
      ]),
    );
    this.lookupSegment = (id) => this.segmentsById.get(id);
  }

  /** The approved variations as `type` reads them (built once per type). */
  view(type: RequestedType): TypedVariations {
    let view = this.views.get(type);
    if (!view) {
      view = new TypedVariations(type, this.entry.variations);
      this.views.set(type, view);
    }
    return view;
  }

  /**
   * The variation the approved configuration gives this user: off variation, individual target, first matching rule
   * (bucketed on its dispatch key) or default rule, exactly FeatBit's order. Undefined when the approved data cannot
   * decide (no rollout covers the bucket, malformed condition); callers then serve the baseline.
   */
  approvedVariationFor(user: FeatBitUser): string | undefined {
    const grants = this.entry.grants;
    if (!grants.isEnabled) return grants.disabledVariationId;
    try {
      for (const target of grants.targetUsers) {
        if (isKeyListed(target.keyIds, user.keyId)) return target.variationId;
      }
      for (const rule of grants.rules) {
        if (matchConditions(rule.conditions, user, this.lookupSegment)) return this.pick(rule.variations, user, rule.dispatchKey);
      }
      return this.pick(grants.fallthrough.variations, user, grants.fallthrough.dispatchKey);
    } catch {
      return undefined;
    }
  }

  private pick(rollouts: readonly GrantRollout[], user: FeatBitUser, dispatchKey: string | null): string | undefined {
    let bucket: number | undefined;
    for (const { id, rollout } of rollouts) {
      const [min, max] = rollout;
      if (min === 0 && 1 - max < 1e-5) return id;
      if (min === 0 && max === 0) continue;
      bucket ??= this.bucket(this.key, isNullOrWhiteSpace(dispatchKey) ? user.keyId : (userValue(user, dispatchKey!) ?? ''));
      if (min <= bucket && bucket <= max) return id;
    }
    return undefined;
  }
}
