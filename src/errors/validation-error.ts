import { ErrorCode, FeatgateError } from './featgate-error.js';

/** One problem found in input, with the path of the field it concerns. */
export interface FieldIssue {
  /** Dotted path of the field, e.g. `release.stages.0.percentage`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
  /** Source file and 1-based line when the input came from a file. */
  readonly file?: string;
  readonly line?: number;
}

/** Input that does not match its schema; carries every issue so callers can show them all at once. */
export class ValidationError extends FeatgateError {
  readonly code = ErrorCode.Validation;

  constructor(
    readonly issues: readonly FieldIssue[],
    message = issues.map(formatFieldIssue).join('; '),
  ) {
    super(message);
  }
}

/** Formats an issue as `file:line: field: message`, leaving out what is unknown. */
export function formatFieldIssue(issue: FieldIssue): string {
  const location = issue.file ? `${issue.file}${issue.line ? `:${issue.line}` : ''}: ` : '';
  const field = issue.path ? `${issue.path}: ` : '';
  return `${location}${field}${issue.message}`;
}
