/** Stands for every member of an object or every item of an array in a parsed path. */
export const WILDCARD: unique symbol = Symbol('wildcard');

/** One step of a parsed path: a member name, an array index or the wildcard. */
export type PathSegment = string | number | typeof WILDCARD;

const STEP = /^(?:\.([A-Za-z_$][\w$-]*)|\.\*|\[(\d+)\]|\[\*\]|\['((?:[^'\\]|\\.)*)'\])/;

/**
 * Parses the JSON path subset policies use: `$` followed by `.name`, `['any name']`, `[index]`, `.*` or `[*]`.
 * Returns a message instead of segments when the text is not such a path.
 */
export function parseJsonPath(text: string): PathSegment[] | string {
  if (!text.startsWith('$')) return 'a path starts with $';
  const segments: PathSegment[] = [];
  let rest = text.slice(1);
  while (rest.length > 0) {
    const match = STEP.exec(rest);
    if (!match) return `cannot read the path from "${rest}"; use .name, ['name'], [index], .* or [*]`;
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[3] !== undefined) segments.push(match[3].replace(/\\(.)/g, '$1'));
    else segments.push(WILDCARD);
    rest = rest.slice(match[0].length);
  }
  return segments;
}

/** A value found by a path, with the concrete path that led to it (wildcards filled in). */
export interface PathMatch {
  readonly path: string;
  readonly value: unknown;
}

/** Every value `segments` reaches in `root`, keyed by concrete path; missing members simply yield nothing. */
export function selectPath(root: unknown, segments: readonly PathSegment[]): Map<string, unknown> {
  const found = new Map<string, unknown>();
  walk(root, segments, 0, '$', found);
  return found;
}

function walk(
  value: unknown,
  segments: readonly PathSegment[],
  index: number,
  path: string,
  found: Map<string, unknown>,
): void {
  if (index === segments.length) {
    found.set(path, value);
    return;
  }
  const segment = segments[index]!;
  if (segment === WILDCARD) {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, segments, index + 1, `${path}[${i}]`, found));
    else if (isObject(value))
      for (const [key, member] of Object.entries(value))
        walk(member, segments, index + 1, memberPath(path, key), found);
    return;
  }
  if (typeof segment === 'number') {
    if (Array.isArray(value) && segment < value.length)
      walk(value[segment], segments, index + 1, `${path}[${segment}]`, found);
    return;
  }
  if (isObject(value) && Object.hasOwn(value, segment))
    walk(value[segment], segments, index + 1, memberPath(path, segment), found);
}

function memberPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `${path}.${key}` : `${path}['${key.replace(/['\\]/g, '\\$&')}']`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
