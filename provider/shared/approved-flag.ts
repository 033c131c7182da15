import { matchConditions, type SegmentLookup } from '../../src/featbit/evaluator/condition-matcher.js';
import { isNullOrWhiteSpace, userValue, type FeatBitUser } from '../../src/featbit/evaluator/featbit-user.js';
import { isKeyListed } from '../../src/featbit/evaluator/key-list.js';
import type { FeatBitSegment } from '../../src/featbit/model/segment.js';
import { convertFeatBitValue, type ConvertedValue, type RequestedType } from '../../src/manifest/featbit-value.js';
import type { GrantRollout, ManifestFlag } from '../../src/manifest/manifest-schema.js';
import type { BucketFunction } from './featbit-bucket.js';
import { NO_KEY, valueKey, type ValueKey } from './value-key.js';

/** The approved variations of a flag as one OpenFeature type reads them. */
export interface TypedVariations {
  readonly type: RequestedType;
  /** Key of each variation's value in this type, or NO_KEY when FeatBit could not convert it. */
  readonly keys: ReadonlyMap<string, ValueKey>;
  /** Each variation's value converted as FeatBit's SDK would for this type. */
  readonly values: ReadonlyMap<string, ConvertedValue>;
  /** Keys of all approved values, to tell "not approved at all" from "not approved for this context". */
  readonly approvedKeys: ReadonlySet<ValueKey>;
  readonly baselineKey: ValueKey;
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
      const keys = new Map<string, ValueKey>();
      const values = new Map<string, ConvertedValue>();
      for (const variation of this.entry.variations) {
        const converted = convertFeatBitValue(variation.value, type);
        values.set(variation.id, converted);
        keys.set(variation.id, converted.convertible ? valueKey(type, converted.value) : NO_KEY);
      }
      const approvedKeys = new Set([...keys.values()].filter((key) => key !== NO_KEY));
      view = { type, keys, values, approvedKeys, baselineKey: keys.get(this.baselineVariationId) ?? NO_KEY };
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
