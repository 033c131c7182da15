import { ConfigError, formatFieldIssue, type FieldIssue } from '../errors/index.js';

/** A configuration the service refuses to start with; every issue names file, line and field when known. */
export class InvalidConfigError extends ConfigError {
  constructor(readonly issues: readonly FieldIssue[]) {
    super(`invalid configuration:\n${issues.map((issue) => `  ${formatFieldIssue(issue)}`).join('\n')}`);
  }
}
