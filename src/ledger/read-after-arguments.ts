import { ValidationError, type FieldIssue } from '../errors/index.js';

/** Checks `readAfter` arguments: `afterSeq` a whole number >= 0, `limit` (when given) a whole number >= 1. */
export function checkReadAfterArguments(afterSeq: number, limit: number | undefined): void {
  const issues: FieldIssue[] = [];
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0)
    issues.push({ path: 'afterSeq', message: 'must be a whole number >= 0' });
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
    issues.push({ path: 'limit', message: 'must be a whole number >= 1' });
  }
  if (issues.length > 0) throw new ValidationError(issues);
}

/** Checks `readSeqs` arguments: whole numbers >= 1 in ascending order. */
export function checkReadSeqsArguments(seqs: readonly number[]): void {
  const issues: FieldIssue[] = [];
  seqs.forEach((seq, index) => {
    if (!Number.isSafeInteger(seq) || seq < 1)
      issues.push({ path: `seqs.${index}`, message: 'must be a whole number >= 1' });
    else if (index > 0 && seq <= seqs[index - 1]!)
      issues.push({ path: `seqs.${index}`, message: 'must be greater than the seq before it' });
  });
  if (issues.length > 0) throw new ValidationError(issues);
}
