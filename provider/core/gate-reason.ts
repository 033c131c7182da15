/** The OpenFeature reason of a gated resolution: the served value replaced what the inner provider resolved. */
export const UNAPPROVED_REASON = 'UNAPPROVED';

/** Why the gate replaced a value; sent as `flagMetadata.featgateReason` and counted. */
export enum GateReason {
  /** The resolved value is none of the flag's approved variations (e.g. edited in FeatBit). */
  VariationNotApproved = 'variation-not-approved',
  /** The value is approved, but not for this context (outside its approved audience or percentage). */
  OutsideGrant = 'outside-grant',
  /** The last verified manifest has expired: only the baseline is served until a fresh one verifies. */
  ManifestExpired = 'manifest-expired',
}

/** Keys the gate puts in `flagMetadata`; never OpenFeature's telemetry keys `contextId`, `flagSetId`, `version`. */
export enum GateMetadataKey {
  Gated = 'featgateGated',
  Reason = 'featgateReason',
  ManifestVersion = 'featgateManifestVersion',
  FlagVersion = 'featgateFlagVersion',
  InnerVariant = 'featgateInnerVariant',
}
