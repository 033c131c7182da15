import { VariationType } from '../featbit-model/variation-type.js';

/** Any JSON value, as a converted FeatBit value can be. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The OpenFeature value types an application can ask for. */
export enum RequestedType {
  Boolean = 'boolean',
  String = 'string',
  Number = 'number',
  Object = 'object',
}

/** Outcome of converting a FeatBit string value: the typed value, or `convertible: false`. */
export type ConvertedValue =
  { readonly convertible: true; readonly value: JsonValue } | { readonly convertible: false };

const NOT_CONVERTIBLE: ConvertedValue = { convertible: false };

/**
 * Converts a FeatBit variation value (always a string) the way `@featbit/node-server-sdk` 1.3 does
 * (`ValueConverters`): booleans are case-insensitive `true`/`false`, numbers go through `Number()` and fail on NaN,
 * objects through `JSON.parse`, strings stay as they are. Gates use it so they serve exactly what FeatBit would.
 */
export function convertFeatBitValue(raw: string, type: RequestedType): ConvertedValue {
  switch (type) {
    case RequestedType.String:
      return { convertible: true, value: raw };
    case RequestedType.Boolean: {
      const upper = raw.toUpperCase();
      if (upper === 'TRUE') return { convertible: true, value: true };
      if (upper === 'FALSE') return { convertible: true, value: false };
      return NOT_CONVERTIBLE;
    }
    case RequestedType.Number: {
      const number = Number(raw);
      return Number.isNaN(number) ? NOT_CONVERTIBLE : { convertible: true, value: number };
    }
    case RequestedType.Object:
      try {
        return { convertible: true, value: JSON.parse(raw) as JsonValue };
      } catch {
        return NOT_CONVERTIBLE;
      }
  }
}

/** The OpenFeature type a FeatBit variation type is naturally read as. */
export function requestedTypeOf(variationType: VariationType): RequestedType {
  switch (variationType) {
    case VariationType.Boolean:
      return RequestedType.Boolean;
    case VariationType.Number:
      return RequestedType.Number;
    case VariationType.Json:
      return RequestedType.Object;
    case VariationType.String:
      return RequestedType.String;
  }
}
