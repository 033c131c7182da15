import type { EvaluationContext, JsonValue, ResolutionDetails } from '@openfeature/core';

/**
 * The method key of a provider that can say which stored JSON string it parsed an object value from. A symbol this
 * package does not export, so only its own providers (the FeatBit provider) can implement it: a provider that merely
 * claims a string could otherwise pass any value as an approved one.
 */
export const RESOLVE_RAW_JSON: unique symbol = Symbol('featgate.resolveRawJson');

/** An object resolution and, when the value is a fresh `JSON.parse(raw)` nobody else holds, that `raw` string. */
export interface RawJsonResolution<T> {
  readonly details: ResolutionDetails<T>;
  /** Present only when `details.value` was parsed from it for this resolution and handed to no one else. */
  readonly raw?: string;
}

/** A provider resolving JSON flags together with the stored string each value was parsed from. */
export interface RawJsonResolver {
  [RESOLVE_RAW_JSON]<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
  ): Promise<RawJsonResolution<T>>;
}

/**
 * Whether `provider` resolves JSON with its raw string, so a gate can identify the value by that string (one Map
 * lookup) instead of comparing the parsed object's content on every evaluation.
 */
export function isRawJsonResolver(provider: object): provider is RawJsonResolver {
  return typeof (provider as Partial<RawJsonResolver>)[RESOLVE_RAW_JSON] === 'function';
}
