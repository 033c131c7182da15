import canonicalize from 'canonicalize';
import { RequestedType } from '../manifest/featbit-value.js';

/** Marks a value that cannot be compared in a view (e.g. a number where a boolean was asked for). */
export const NO_KEY: unique symbol = Symbol('no-key');

/** A comparable identity of a value within one requested type: primitives themselves, objects canonical JSON. */
export type ValueKey = string | number | boolean | typeof NO_KEY;

/**
 * The key of a value read as `type`, so "is this value approved" is one `===` or Map lookup. Objects are keyed by
 * RFC 8785 canonical JSON of their current content, computed on every call: an object may change in place, so no
 * key is remembered by identity (callers confirm remembered matches with `jsonEqual`).
 */
export function valueKey(type: RequestedType, value: unknown): ValueKey {
  switch (type) {
    case RequestedType.String:
      return typeof value === 'string' ? value : NO_KEY;
    case RequestedType.Boolean:
      return typeof value === 'boolean' ? value : NO_KEY;
    case RequestedType.Number:
      return typeof value === 'number' ? value : NO_KEY;
    case RequestedType.Object:
      return objectKey(value);
  }
}

function objectKey(value: unknown): ValueKey {
  return canonicalize(value) ?? NO_KEY;
}
