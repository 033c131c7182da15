import type { EvaluationContext } from '@openfeature/core';
import { toFeatBitAttribute, type FeatBitUser } from '../../src/featbit/evaluator/featbit-user.js';

/**
 * Converts an OpenFeature evaluation context into the FeatBit user both the gate and the FeatBit provider evaluate:
 * `targetingKey` (else a string `key`) becomes the key, `name` the name, and every other attribute a custom property
 * converted to FeatBit's string form by `toFeatBitAttribute`, so FeatBit's operators never see a non-string.
 * Reads the context only; never copies or changes it.
 */
export function featBitUserFromContext(context: EvaluationContext): FeatBitUser {
  const key = context.targetingKey ?? (typeof context['key'] === 'string' ? context['key'] : '');
  const customizedProperties: Record<string, string> = {};
  for (const attribute of Object.keys(context)) {
    if (attribute === 'targetingKey' || attribute === 'name') continue;
    customizedProperties[attribute] = toFeatBitAttribute(context[attribute]);
  }
  const user: FeatBitUser = { keyId: key, customizedProperties };
  if (context['name'] !== undefined && context['name'] !== null) user.name = toFeatBitAttribute(context['name']);
  return user;
}
