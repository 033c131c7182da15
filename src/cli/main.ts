import { CommanderError } from 'commander';
import { FeatgateError } from '../errors/index.js';
import { ExitCode } from './exit-code.js';
import { createProgram } from './program.js';

/** Runs the CLI and returns the process exit code instead of exiting, so tests can call it. */
export async function main(argv: readonly string[]): Promise<number> {
  process.exitCode = undefined;
  try {
    await (await createProgram(argv)).parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Error;
    }
    const message =
      error instanceof FeatgateError ? error.message : error instanceof Error ? error.stack : String(error);
    process.stderr.write(`featgate: ${message}\n`);
    return ExitCode.Error;
  }
}
