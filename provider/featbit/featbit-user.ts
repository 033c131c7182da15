import type { IUser } from '@featbit/node-server-sdk';
import type { EvaluationContext } from '@openfeature/server-sdk';
import { featBitKeyOf } from '../core/featbit-user-from-context.js';
import { toFeatBitAttribute } from '../evaluator/featbit-user.js';

/**
 * The Node SDK user for an OpenFeature context: the same conversion the gate uses (`featBitUserFromContext`: every
 * attribute a string), built in one pass straight into the SDK's `{key, name, customizedProperties: [{name, value}]}`
 * shape, since it runs on every evaluation.
 */
export function sdkUserFromContext(context: EvaluationContext): IUser {
  const customizedProperties: Array<{ name: string; value: string }> = [];
  for (const attribute of Object.keys(context)) {
    if (attribute === 'targetingKey' || attribute === 'name') continue;
    customizedProperties.push({ name: attribute, value: toFeatBitAttribute(context[attribute]) });
  }
  const sdkUser: IUser = { key: featBitKeyOf(context), customizedProperties };
  const name = context['name'];
  if (name !== undefined && name !== null) sdkUser.name = toFeatBitAttribute(name);
  return sdkUser;
}
