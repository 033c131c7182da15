import { ExitCode } from '../exit-code.js';
import { ApiProblemError } from './api-problem-error.js';
import type { ApiCommandOptions } from './client-from-options.js';

/**
 * Runs one API verb and sets the exit code: 0 on success, 1 when the service refused the request (invalid input,
 * not allowed, not found, conflict), 2 when the service could not be reached or failed. With `--json` the answer
 * (or the problem document) is printed as JSON; otherwise `render` formats it for people.
 */
export async function runApiCommand<T>(
  options: ApiCommandOptions,
  call: () => Promise<T>,
  render: (result: T) => string,
): Promise<void> {
  try {
    const result = await call();
    process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${render(result)}\n`);
    process.exitCode = ExitCode.Ok;
  } catch (error) {
    if (error instanceof ApiProblemError) {
      if (options.json)
        process.stdout.write(`${JSON.stringify({ status: error.status, ...error.problem }, null, 2)}\n`);
      process.stderr.write(`featgate: ${error.message}\n`);
      process.exitCode = error.status >= 500 ? ExitCode.Error : ExitCode.CheckFailed;
      return;
    }
    throw error;
  }
}
