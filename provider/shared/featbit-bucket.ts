import { md5Utf8 } from './md5.js';

/** FeatBit's percentage bucket of a dispatch value for a flag, a number in [0, 1]. */
export type BucketFunction = (flagKey: string, dispatchValue: string) => number;

/**
 * FeatBit's bucketing (`DispatchAlgorithm`) without Node built-ins: MD5 of UTF-8(flagKey + dispatchValue), first four
 * bytes as a signed little-endian int32 n, `abs(n / 2^31)`. Equal to the evaluator's `dispatchBucket` (tested), used
 * where `node:crypto` is unavailable (the web gate).
 */
export const portableBucket: BucketFunction = (flagKey, dispatchValue) => {
  const digest = md5Utf8(flagKey + dispatchValue);
  const n = digest[0]! | (digest[1]! << 8) | (digest[2]! << 16) | (digest[3]! << 24);
  return Math.abs(n / 0x80000000);
};
