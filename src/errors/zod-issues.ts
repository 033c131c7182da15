import type { z } from 'zod';
import { ValidationError, type FieldIssue } from './validation-error.js';

/** Where a field issue sits in its source (a YAML file's line), for issues read from a file. */
export type IssueLocator = (path: readonly (string | number)[]) => { file: string; line?: number };

/** How `fieldIssuesFromZod` names the fields: under a prefix (`body`, `params`) and located in a source file. */
export interface FieldIssueOptions {
  /** Dotted prefix of every path (`params` gives `params.env`). */
  readonly prefix?: string;
  /** Adds file and line to each issue. */
  readonly locate?: IssueLocator;
}

/**
 * The one mapping from zod issues to featgate's field issues: dotted paths, and an unknown key reported at its own
 * path (`featbit.apiUrll: unknown key`) so the message points at the typo and, with a locator, at its line.
 */
export function fieldIssuesFromZod(error: z.ZodError, options: FieldIssueOptions = {}): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const at = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    return keys.map((key): FieldIssue => {
      const path = key === undefined ? at : [...at, key];
      const dotted = [options.prefix, ...path].filter((part) => part !== undefined && part !== '').join('.');
      const located: FieldIssue = { path: dotted, message: key === undefined ? issue.message : 'unknown key' };
      return options.locate ? { ...located, ...options.locate(path) } : located;
    });
  });
}

/** Parses `input` with `schema`, throwing a ValidationError that names every bad field. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  options: FieldIssueOptions = {},
): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(fieldIssuesFromZod(result.error, options));
  return result.data;
}
