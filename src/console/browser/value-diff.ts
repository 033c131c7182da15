import { diffWordsWithSpace } from 'diff';

/** A run of text in one side of a diff: kept, removed (baseline side) or added (candidate side). */
export interface Segment {
  readonly text: string;
  readonly change: 'same' | 'removed' | 'added';
}

/** How one field differs between the approved value and the candidate. */
export enum FieldChange {
  Same = 'same',
  Changed = 'changed',
  Added = 'added',
  Removed = 'removed',
}

/** One field of a value, side by side: the approved (baseline) text and the candidate text, segmented. */
export interface DiffRow {
  /** JSON path of the field (`$` for the whole value). */
  readonly path: string;
  readonly change: FieldChange;
  /** Absent when the field is not in the baseline. */
  readonly before?: readonly Segment[];
  /** Absent when the field is not in the candidate. */
  readonly after?: readonly Segment[];
  /** The field holds a secret; only a redacted marker is shown. */
  readonly secret: boolean;
}

/** Longest a word diff may run before the field is shown as replaced whole. */
const WORD_DIFF_TIMEOUT_MS = 1500;

interface Leaf {
  readonly text: string;
  readonly kind: 'string' | 'json' | 'secret';
}

/** Whether `value` is the redaction marker featgate stores in place of a secret. */
export function isRedactedMarker(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    (value as Record<string, unknown>)['$redacted'] === true
  );
}

function secretText(value: unknown): string {
  const hmac = (value as { hmacSha256?: unknown }).hmacSha256;
  return typeof hmac === 'string' ? `[secret redacted · ${hmac.slice(0, 12)}…]` : '[secret redacted]';
}

/** Every leaf of a JSON value by path: strings, other scalars and empty containers as JSON, redacted secrets as markers. */
export function leavesOf(value: unknown, path = '$', into = new Map<string, Leaf>()): Map<string, Leaf> {
  if (isRedactedMarker(value)) into.set(path, { text: secretText(value), kind: 'secret' });
  else if (typeof value === 'string') into.set(path, { text: value, kind: 'string' });
  else if (Array.isArray(value) && value.length > 0)
    value.forEach((item, index) => leavesOf(item, `${path}[${index}]`, into));
  else if (typeof value === 'object' && value !== null && Object.keys(value).length > 0) {
    for (const [key, item] of Object.entries(value))
      leavesOf(item, /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, into);
  } else into.set(path, { text: JSON.stringify(value) ?? 'null', kind: 'json' });
  return into;
}

/** Word-level segments of two texts: the baseline's kept and removed runs, and the candidate's kept and added runs. */
export function wordSegments(before: string, after: string): { before: Segment[]; after: Segment[] } {
  // With spaces: a whitespace-only change (which the policy classifies on its own) must show, never vanish.
  const changes = diffWordsWithSpace(before, after, { timeout: WORD_DIFF_TIMEOUT_MS });
  if (!changes) return { before: [{ text: before, change: 'removed' }], after: [{ text: after, change: 'added' }] };
  const left: Segment[] = [];
  const right: Segment[] = [];
  for (const change of changes) {
    if (change.added) right.push({ text: change.value, change: 'added' });
    else if (change.removed) left.push({ text: change.value, change: 'removed' });
    else {
      left.push({ text: change.value, change: 'same' });
      right.push({ text: change.value, change: 'same' });
    }
  }
  return { before: left, after: right };
}

/**
 * The field-level diff of an approved value and its candidate: one row per leaf path in either, in the order they
 * appear (baseline first, then fields only the candidate has). Changed text fields get a word-level diff; other
 * changed fields show both values whole; secrets show only their redacted markers (a changed hash is a change).
 */
export function diffValues(baseline: unknown, candidate: unknown): DiffRow[] {
  const before = leavesOf(baseline);
  const after = leavesOf(candidate);
  const paths = [...new Set([...before.keys(), ...after.keys()])];
  return paths.map((path): DiffRow => {
    const left = before.get(path);
    const right = after.get(path);
    const secret = left?.kind === 'secret' || right?.kind === 'secret';
    if (!left) return { path, change: FieldChange.Added, after: [{ text: right!.text, change: 'added' }], secret };
    if (!right) return { path, change: FieldChange.Removed, before: [{ text: left.text, change: 'removed' }], secret };
    if (left.text === right.text && left.kind === right.kind) {
      const same: Segment[] = [{ text: left.text, change: 'same' }];
      return { path, change: FieldChange.Same, before: same, after: same, secret };
    }
    if (left.kind === 'string' && right.kind === 'string')
      return { path, change: FieldChange.Changed, ...wordSegments(left.text, right.text), secret };
    return {
      path,
      change: FieldChange.Changed,
      before: [{ text: left.text, change: 'removed' }],
      after: [{ text: right.text, change: 'added' }],
      secret,
    };
  });
}
