import { ValidationError, type FieldIssue } from '../errors/index.js';

/** Checks `readAfter` arguments: `afterSeq` a whole number >= 0, `limit` (when given) a whole number >= 1. */
export function checkReadAfterArguments(afterSeq: number, limit: number | undefined): void {
  const issues: FieldIssue[] = [];
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) issues.push({ path: 'afterSeq', message: 'must be a whole number >= 0' });
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
    issues.push({ path: 'limit', message: 'must be a whole number >= 1' });
  }
  if (issues.length > 0) throw new ValidationError(issues);
}
