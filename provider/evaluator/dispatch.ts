import { isNullOrWhiteSpace, userValue, type FeatBitUser } from './featbit-user.js';
import { md5FirstInt32LE } from './md5.js';

const INT32_SPAN = 0x80000000;

/**
 * FeatBit's percentage bucket of a context for a flag: MD5 of UTF-8(flagKey + dispatchValue), the first four
 * bytes read as a signed little-endian int32 n, then `abs(n / 2^31)`, a number in [0, 1]
 * (`DispatchAlgorithm.RolloutOfKey`). Uses the portable MD5, so it runs in browsers as well.
 */
export function dispatchBucket(flagKey: string, dispatchValue: string): number {
  return Math.abs(md5FirstInt32LE(flagKey + dispatchValue) / INT32_SPAN);
}

/**
 * The value a rule or the default rule buckets on, with the evaluation server's semantics: a blank or null
 * dispatch key means the user key; otherwise the user's value of that property, `''` when missing (the server's
 * `flagKey + ""`; the Node SDK 1.3.0 hashes `flagKey + "undefined"` instead).
 */
export function dispatchValueOf(user: FeatBitUser, dispatchKey: string | null | undefined): string {
  if (isNullOrWhiteSpace(dispatchKey)) return user.keyId;
  return userValue(user, dispatchKey as string) ?? '';
}

/**
 * Whether a bucket falls in a rollout range `[min, max]` (both ends inclusive), with FeatBit's two shortcuts:
 * `[0, ~1]` (max within 1e-5 of 1) holds everyone and `[0, 0]` no one (`DispatchAlgorithm.IsInRollout`).
 */
export function isInRollout(bucket: number, rollout: readonly [number, number]): boolean {
  const [min, max] = rollout;
  if (min === 0 && 1 - max < 1e-5) return true;
  if (min === 0 && max === 0) return false;
  return min <= bucket && bucket <= max;
}

/** Whether a rollout range needs a bucket at all (everything except FeatBit's `[0, ~1]` and `[0, 0]` shortcuts). */
export function rolloutNeedsBucket(rollout: readonly [number, number]): boolean {
  const [min, max] = rollout;
  return !(min === 0 && (1 - max < 1e-5 || max === 0));
}
