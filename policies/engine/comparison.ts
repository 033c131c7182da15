import { z } from 'zod';
import type { JsonValue } from '../../src/canonical/index.js';
import { jsonValueSchema } from '../../src/changes/model/index.js';

/** Comparisons of a value before (baseline) and after (candidate) that need no argument. */
export enum ValueComparison {
  /** The value differs in any way, including appearing or disappearing. */
  Changed = 'changed',
  /** The value appears, or an array gains an item it did not have. */
  Added = 'added',
  /** The value disappears, or an array loses an item. */
  Removed = 'removed',
  /** A number grows. */
  Increased = 'increased',
  /** A number shrinks. */
  Decreased = 'decreased',
  /** The value becomes `true` (it was anything else or absent). */
  BecomesTrue = 'becomesTrue',
  /** The value was `true` and no longer is. */
  BecomesFalse = 'becomesFalse',
  /** The value differs, but only in whitespace inside strings (line breaks, indentation, repeated spaces). */
  WhitespaceOnly = 'whitespaceOnly',
}

/** How a rule compares baseline and candidate at its path: a plain comparison or one with an argument. */
export const comparisonSchema = z.union(
  [
    z.enum(ValueComparison),
    z.strictObject({
      /** Fires when the candidate's text contains one of these terms (case-insensitive) that the baseline's text lacks. */
      containsAny: z.array(z.string().min(1)).min(1),
    }),
    z.strictObject({
      /** Fires when the value changes to something outside this list (for arrays: gains an item outside it). */
      changedToNoneOf: z.array(jsonValueSchema).min(1),
    }),
    z.strictObject({
      /** Fires when a number changes to above this limit. */
      exceeds: z.number(),
    }),
    z.strictObject({
      /** Fires when a number changes to below this limit. */
      fallsBelow: z.number(),
    }),
  ],
  {
    error:
      'expected one of changed, added, removed, increased, decreased, becomesTrue, becomesFalse, whitespaceOnly, ' +
      'or an object {containsAny: [..]}, {changedToNoneOf: [..]}, {exceeds: n}, {fallsBelow: n}',
  },
);
export type Comparison = z.infer<typeof comparisonSchema>;

/** Short name of a comparison for explanations, e.g. `decreased` or `containsAny`. */
export function comparisonName(comparison: Comparison): string {
  return typeof comparison === 'string' ? comparison : Object.keys(comparison)[0]!;
}

/**
 * Applies a comparison to the value before and after (undefined when absent). Returns a short description of
 * what fired (e.g. `0.8 → 0.6`, `adds "write"`), or undefined when the comparison does not hold.
 */
export function applyComparison(comparison: Comparison, before: unknown, after: unknown): string | undefined {
  if (typeof comparison === 'string') return applyPlain(comparison, before, after);
  if ('containsAny' in comparison) {
    const beforeText = textOf(before).toLowerCase();
    const afterText = textOf(after).toLowerCase();
    const introduced = comparison.containsAny.filter((term) => {
      const lower = term.toLowerCase();
      return afterText.includes(lower) && !beforeText.includes(lower);
    });
    return introduced.length > 0
      ? `introduces ${introduced.map((term) => JSON.stringify(term)).join(', ')}`
      : undefined;
  }
  if ('changedToNoneOf' in comparison) {
    if (after === undefined || jsonEqual(before, after)) return undefined;
    const allowed = comparison.changedToNoneOf;
    const outside = (value: unknown): boolean => !allowed.some((candidate) => jsonEqual(candidate, value));
    if (Array.isArray(after)) {
      const gained = after.filter(
        (item) => outside(item) && !(Array.isArray(before) && before.some((old) => jsonEqual(old, item))),
      );
      return gained.length > 0
        ? `adds ${gained.map(show).join(', ')}, outside ${allowed.map(show).join(', ')}`
        : undefined;
    }
    return outside(after) ? `${show(before)} → ${show(after)}, outside ${allowed.map(show).join(', ')}` : undefined;
  }
  if ('exceeds' in comparison) {
    return typeof after === 'number' && after > comparison.exceeds && !jsonEqual(before, after)
      ? `${show(before)} → ${show(after)}, above ${comparison.exceeds}`
      : undefined;
  }
  return typeof after === 'number' && after < comparison.fallsBelow && !jsonEqual(before, after)
    ? `${show(before)} → ${show(after)}, below ${comparison.fallsBelow}`
    : undefined;
}

function applyPlain(comparison: ValueComparison, before: unknown, after: unknown): string | undefined {
  switch (comparison) {
    case ValueComparison.Changed:
      return jsonEqual(before, after) ? undefined : `${show(before)} → ${show(after)}`;
    case ValueComparison.Added:
      if (Array.isArray(before) && Array.isArray(after)) {
        const added = after.filter((item) => !before.some((old) => jsonEqual(old, item)));
        return added.length > 0 ? `adds ${added.map(show).join(', ')}` : undefined;
      }
      return before === undefined && after !== undefined ? `adds ${show(after)}` : undefined;
    case ValueComparison.Removed:
      if (Array.isArray(before) && Array.isArray(after)) {
        const removed = before.filter((item) => !after.some((now) => jsonEqual(now, item)));
        return removed.length > 0 ? `removes ${removed.map(show).join(', ')}` : undefined;
      }
      return before !== undefined && after === undefined ? `removes ${show(before)}` : undefined;
    case ValueComparison.Increased:
      return typeof before === 'number' && typeof after === 'number' && after > before
        ? `${before} → ${after}`
        : undefined;
    case ValueComparison.Decreased:
      return typeof before === 'number' && typeof after === 'number' && after < before
        ? `${before} → ${after}`
        : undefined;
    case ValueComparison.BecomesTrue:
      return after === true && before !== true ? `${show(before)} → true` : undefined;
    case ValueComparison.BecomesFalse:
      return before === true && after !== true ? `true → ${show(after)}` : undefined;
    case ValueComparison.WhitespaceOnly:
      return !jsonEqual(before, after) &&
        before !== undefined &&
        jsonEqual(collapseWhitespace(before), collapseWhitespace(after))
        ? 'differs only in whitespace'
        : undefined;
  }
}

/** Structural equality of JSON values (object member order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => jsonEqual(item, b[index]));
  }
  if (Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every(
    (key) =>
      Object.hasOwn(b, key) && jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

function collapseWhitespace(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\s+/g, ' ').trim();
  if (Array.isArray(value)) return value.map(collapseWhitespace);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, collapseWhitespace(member)]));
  }
  return value;
}

function textOf(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  const parts: string[] = [];
  const collect = (member: unknown): void => {
    if (typeof member === 'string') parts.push(member);
    else if (Array.isArray(member)) member.forEach(collect);
    else if (typeof member === 'object' && member !== null) {
      for (const [key, inner] of Object.entries(member)) {
        parts.push(key);
        collect(inner);
      }
    } else if (member !== undefined) parts.push(String(member));
  };
  collect(value);
  return parts.join('\n');
}

const SHOWN_LENGTH = 60;

function show(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value as JsonValue);
  return text.length > SHOWN_LENGTH ? `${text.slice(0, SHOWN_LENGTH - 1)}…` : text;
}
