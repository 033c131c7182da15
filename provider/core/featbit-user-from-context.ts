import type { EvaluationContext } from '@openfeature/core';
import { toFeatBitAttribute, type FeatBitUser } from '../evaluator/featbit-user.js';

const HAS_OWN = Object.prototype.hasOwnProperty;

/**
 * Converts an OpenFeature evaluation context into the FeatBit user both the gate and the FeatBit provider evaluate:
 * `targetingKey` (else a string `key`) becomes the key, `name` the name, and every other attribute a custom property
 * converted to FeatBit's string form by `toFeatBitAttribute`, so FeatBit's operators never see a non-string.
 * With `properties`, only those custom properties are converted (the ones a configuration reads): FeatBit reads a
 * missing property as `''`, which is also what an absent attribute converts to, so the decision is the same.
 * Reads the context only; never copies or changes it.
 */
export function featBitUserFromContext(context: EvaluationContext, properties?: readonly string[]): FeatBitUser {
  const key = featBitKeyOf(context);
  const customizedProperties: Record<string, string> = {};
  for (const attribute of properties ?? Object.keys(context)) {
    if (attribute === 'targetingKey' || attribute === 'name' || !HAS_OWN.call(context, attribute)) continue;
    customizedProperties[attribute] = toFeatBitAttribute(context[attribute]);
  }
  const user: FeatBitUser = { keyId: key, customizedProperties };
  if (context['name'] !== undefined && context['name'] !== null) user.name = toFeatBitAttribute(context['name']);
  return user;
}

/** The FeatBit user key of a context: `targetingKey`, else a string `key`, else `''`. */
export function featBitKeyOf(context: EvaluationContext): string {
  return context.targetingKey ?? (typeof context['key'] === 'string' ? context['key'] : '');
}
