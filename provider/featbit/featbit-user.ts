import type { IUser } from '@featbit/node-server-sdk';
import type { EvaluationContext } from '@openfeature/server-sdk';
import { featBitUserFromContext } from '../core/featbit-user-from-context.js';

/**
 * The Node SDK user for an OpenFeature context: the same conversion the gate uses (every attribute a string), in the
 * SDK's `{key, name, customizedProperties: [{name, value}]}` shape.
 */
export function sdkUserFromContext(context: EvaluationContext): IUser {
  const user = featBitUserFromContext(context);
  const sdkUser: IUser = {
    key: user.keyId,
    customizedProperties: Object.entries(user.customizedProperties ?? {}).map(([name, value]) => ({ name, value })),
  };
  if (user.name !== undefined) sdkUser.name = user.name;
  return sdkUser;
}
