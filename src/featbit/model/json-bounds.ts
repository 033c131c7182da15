/** Limits a JSON document from FeatBit must stay within before anything walks it recursively. */
export interface JsonBounds {
  /** Deepest nesting of arrays and objects. */
  readonly maxDepth: number;
  /** Most values (objects, arrays, strings, numbers, booleans, nulls) in the whole document. */
  readonly maxNodes: number;
  /** Longest string. */
  readonly maxStringLength: number;
}

/**
 * Bounds for one raw flag or segment document: far above anything FeatBit's UI writes (a flag is 5 levels deep),
 * low enough that a document a hostile token stored through JSON Patch cannot overflow the stack or the heap of the
 * code that judges it.
 */
export const FEATBIT_DOCUMENT_BOUNDS: JsonBounds = { maxDepth: 32, maxNodes: 500_000, maxStringLength: 4_000_000 };

/**
 * Checks a parsed JSON value against `bounds` without recursion (an explicit stack), so the check itself cannot
 * overflow. Answers undefined when within bounds, else a readable reason naming the first limit crossed.
 */
export function jsonBoundsViolation(value: unknown, bounds: JsonBounds = FEATBIT_DOCUMENT_BOUNDS): string | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    nodes += 1;
    if (nodes > bounds.maxNodes) return `more than ${bounds.maxNodes} values`;
    if (typeof current === 'string') {
      if (current.length > bounds.maxStringLength) return `a string longer than ${bounds.maxStringLength} characters`;
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= bounds.maxDepth) return `nesting deeper than ${bounds.maxDepth} levels`;
    const children = Array.isArray(current) ? current : Object.values(current as Record<string, unknown>);
    for (const child of children) stack.push({ value: child, depth: depth + 1 });
  }
  return undefined;
}
