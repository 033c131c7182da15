import { randomUUID } from 'node:crypto';
import { contentHash, type JsonValue } from '../canonical/index.js';
import { VariationType, type FeatBitFlag, type Variation } from '../featbit/model/index.js';
import { convertFeatBitValue, requestedTypeOf } from '@featgate/openfeature/manifest';
import { ValidationError } from '../errors/index.js';

/** The string FeatBit stores for a typed value of a flag of `type` (FeatBit keeps every variation value as a string). */
export function featBitValueOf(value: JsonValue, type: VariationType): string {
  switch (type) {
    case VariationType.String:
      if (typeof value !== 'string')
        throw new ValidationError([{ path: 'candidate', message: 'a string flag needs a string value' }]);
      return value;
    case VariationType.Boolean:
      if (typeof value !== 'boolean')
        throw new ValidationError([{ path: 'candidate', message: 'a boolean flag needs true or false' }]);
      return String(value);
    case VariationType.Number:
      if (typeof value !== 'number')
        throw new ValidationError([{ path: 'candidate', message: 'a number flag needs a number' }]);
      return String(value);
    case VariationType.Json:
      return JSON.stringify(value);
  }
}

/** The variation of `flag` whose typed value equals `value` (compared by canonical hash), if any. */
export function findVariationByValue(flag: FeatBitFlag, value: JsonValue): Variation | undefined {
  const wanted = contentHash(value);
  const type = requestedTypeOf(flag.variationType);
  return flag.variations.find((variation) => {
    const converted = convertFeatBitValue(variation.value, type);
    return converted.convertible && contentHash(converted.value) === wanted;
  });
}

/** A new variation carrying `value`, named after the change that introduces it. */
export function newVariation(flag: FeatBitFlag, value: JsonValue, name: string): Variation {
  return { id: randomUUID(), name, value: featBitValueOf(value, flag.variationType) };
}
