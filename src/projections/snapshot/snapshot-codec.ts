import { IntegrityError } from '../../errors/index.js';

/** Tags of the encoded form: every array is tagged, so no plain object or string can pass for a Map or a Set. */
const ARRAY = 'A';
const MAP = 'M';
const SET = 'S';
/** Nesting beyond this is refused when decoding (projection states nest a few levels; flag rules a few more). */
const MAX_DEPTH = 64;

type Encoded = null | boolean | number | string | Encoded[] | { [key: string]: Encoded };

/**
 * Encodes a projection state (plain JSON values, Maps and Sets) as JSON text: arrays become `["A", ...items]`,
 * Maps `["M", [key, value]...]`, Sets `["S", ...items]`, objects stay objects. Unambiguous whatever the state's
 * strings or keys hold; `undefined` properties are dropped as JSON drops them.
 */
export function encodeSnapshotState(value: unknown): string {
  return JSON.stringify(encode(value));
}

/** Decodes what `encodeSnapshotState` wrote; IntegrityError on anything it cannot have written. */
export function decodeSnapshotState(text: string): unknown {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new IntegrityError('the projection snapshot is not valid JSON');
  }
  return decode(raw, 0);
}

function encode(value: unknown): Encoded {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('a projection state holds a number JSON cannot keep');
    return value;
  }
  if (Array.isArray(value)) return [ARRAY, ...value.map(encode)];
  if (value instanceof Map) return [MAP, ...[...value].map(([key, item]) => [encode(key), encode(item)])];
  if (value instanceof Set) return [SET, ...[...value].map(encode)];
  if (typeof value === 'object') {
    const out: { [key: string]: Encoded } = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = encode(item);
    return out;
  }
  throw new TypeError(`a projection state holds a ${typeof value}`);
}

function decode(raw: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new IntegrityError('the projection snapshot nests too deep');
  if (raw === null || typeof raw !== 'object') return raw;
  if (Array.isArray(raw)) {
    const [tag, ...items] = raw as unknown[];
    if (tag === ARRAY) return items.map((item) => decode(item, depth + 1));
    if (tag === SET) return new Set(items.map((item) => decode(item, depth + 1)));
    if (tag === MAP) {
      return new Map(
        items.map((pair) => {
          if (!Array.isArray(pair) || pair.length !== 2)
            throw new IntegrityError('the projection snapshot holds a malformed map entry');
          return [decode(pair[0], depth + 1), decode(pair[1], depth + 1)] as const;
        }),
      );
    }
    throw new IntegrityError('the projection snapshot holds an untagged array');
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(raw)) {
    if (key === '__proto__') throw new IntegrityError('the projection snapshot holds a __proto__ key');
    out[key] = decode(item, depth + 1);
  }
  return out;
}
