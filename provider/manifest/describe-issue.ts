import type { $ZodIssue } from 'zod/v4/core';

/**
 * Words one schema issue as `path: what was wrong`. `zod/mini` ships no message locale (that is what keeps the web
 * bundle small), so the text is built from the issue's own fields: expected type, bound, format or allowed values.
 */
export function describeIssue(issue: $ZodIssue): string {
  const path = issue.path.map(String).join('.');
  return `${path === '' ? '(root)' : path}: ${problemOf(issue)}`;
}

function problemOf(issue: $ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'too_small':
      return `${issue.origin} below its minimum ${String(issue.minimum)}`;
    case 'too_big':
      return `${issue.origin} above its maximum ${String(issue.maximum)}`;
    case 'invalid_format':
      return `not a valid ${issue.format}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown keys ${issue.keys.join(', ')}`;
    default:
      return issue.message;
  }
}
