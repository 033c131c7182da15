/**
 * The end user FeatBit evaluates: its key, optional name and custom properties, all strings as on FeatBit's wire
 * (`EndUser.cs`). Custom properties are a plain record here; FeatBit's `[{name, value}]` list maps onto it.
 */
export interface FeatBitUser {
  keyId: string;
  name?: string;
  customizedProperties?: Record<string, string>;
}

/**
 * Converts an attribute value of any JSON type into FeatBit's string form: strings unchanged, booleans
 * `'true'`/`'false'`, numbers `String(n)`, dates ISO-8601, objects and arrays JSON, null/undefined `''` (which is
 * what the evaluation server uses for a missing property). Providers use it to build a `FeatBitUser` from an
 * OpenFeature context, so that operators never see a non-string (the Node SDK throws on those).
 */
export function toFeatBitAttribute(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value) ?? '';
}

const HAS_OWN = Object.prototype.hasOwnProperty;

/**
 * The value of a user property with the evaluation server's semantics (`EndUser.ValueOf`): a blank property name
 * gives `''`; `keyId` the key; `name` the name (undefined when absent, which makes every operator false, as the
 * server's null does); any other property the custom value, or `''` when the user lacks it.
 */
export function userValue(user: FeatBitUser, property: string): string | undefined {
  if (isNullOrWhiteSpace(property)) return '';
  if (property === 'keyId') return user.keyId;
  if (property === 'name') return user.name ?? undefined;
  const custom = user.customizedProperties;
  if (custom !== undefined && HAS_OWN.call(custom, property)) return custom[property] ?? '';
  return '';
}

const DOTNET_WHITESPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

/** .NET `string.IsNullOrWhiteSpace` (its `char.IsWhiteSpace` set, which differs from JS `\s` on U+0085 and U+FEFF). */
export function isNullOrWhiteSpace(value: string | null | undefined): boolean {
  return value === null || value === undefined || DOTNET_WHITESPACE.test(value);
}
