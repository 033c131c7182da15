import { FeatgateError, ErrorCode } from '../../errors/index.js';

/** A problem+json answer from the featgate API, kept whole so the CLI can show the field paths and reasons. */
export class ApiProblemError extends FeatgateError {
  readonly code: ErrorCode;

  constructor(
    readonly status: number,
    readonly problem: {
      readonly code?: string;
      readonly detail?: string;
      readonly title?: string;
      readonly errors?: readonly { path: string; message: string }[];
      readonly missing?: unknown;
    },
  ) {
    super(describeProblem(status, problem));
    this.code = (Object.values(ErrorCode) as string[]).includes(problem.code ?? '')
      ? (problem.code as ErrorCode)
      : ErrorCode.Upstream;
  }
}

/** The API could not be reached or answered something that is not the API's JSON. */
export class ApiUnavailableError extends FeatgateError {
  readonly code = ErrorCode.Upstream;
}

function describeProblem(status: number, problem: ApiProblemError['problem']): string {
  const lines = [`${status} ${problem.title ?? ''}: ${problem.detail ?? ''}`.trim()];
  for (const issue of problem.errors ?? []) lines.push(`  ${issue.path || '(body)'}: ${issue.message}`);
  return lines.join('\n');
}
