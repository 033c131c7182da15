import type { EvaluationContext } from '@openfeature/core';
import canonicalize from 'canonicalize';
import type { SegmentLookup } from '../evaluator/condition-matcher.js';
import { evaluateFlag } from '../evaluator/evaluate-flag.js';
import type { FeatBitUser } from '../evaluator/featbit-user.js';
import type { RequestedType } from '../manifest/featbit-value.js';
import type { ManifestFlag } from '../manifest/manifest-schema.js';
import { approvedConfigurationOf, type ApprovedConfiguration } from './approved-configuration.js';
import { featBitUserFromContext } from './featbit-user-from-context.js';
import { TypedVariations } from './typed-variations.js';

/**
 * One governed flag of a verified manifest, ready for gating: its approved variations per requested type and its
 * approved configuration, which the project's evaluator (FeatBit's decision order, operators and bucketing) runs.
 */
export class ApprovedFlag {
  readonly baselineVariationId: string;
  readonly version: number;
  private readonly views = new Map<RequestedType, TypedVariations>();
  private readonly configuration: ApprovedConfiguration;
  private readonly lookupSegment: SegmentLookup;
  private canonicalEntry: string | undefined;

  constructor(
    readonly key: string,
    private readonly entry: ManifestFlag,
  ) {
    this.baselineVariationId = entry.baseline.variationId;
    this.version = entry.version;
    this.configuration = approvedConfigurationOf(key, entry);
    const segments = this.configuration.segments;
    this.lookupSegment = (id) => segments.get(id);
  }

  /** The approved variations as `type` reads them (built once per type). */
  view(type: RequestedType): TypedVariations {
    let view = this.views.get(type);
    if (!view) {
      view = new TypedVariations(type, this.entry.variations, this.baselineVariationId);
      this.views.set(type, view);
    }
    return view;
  }

  /**
   * The variation the approved configuration gives this user, as `evaluateFlag` decides it. Undefined when the
   * approved data cannot decide (no rollout covers the bucket, malformed condition); callers then serve the baseline.
   */
  approvedVariationFor(user: FeatBitUser): string | undefined {
    return evaluateFlag(this.configuration.flag, user, this.lookupSegment).variationId;
  }

  /** `approvedVariationFor` an OpenFeature context, converting only the attributes the configuration reads. */
  approvedVariationForContext(context: EvaluationContext): string | undefined {
    return this.approvedVariationFor(featBitUserFromContext(context, this.configuration.properties));
  }

  /** Whether this entry approves exactly what `other` does (same canonical manifest entry). */
  sameApprovalAs(other: ApprovedFlag): boolean {
    return this === other || this.canonical() === other.canonical();
  }

  private canonical(): string {
    this.canonicalEntry ??= canonicalize(this.entry) ?? '';
    return this.canonicalEntry;
  }
}
