import { Command } from 'commander';
import { registerAuditCommands } from './commands/audit.js';
import { registerKeysCommands } from './commands/keys.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerSandboxCommands } from './commands/sandbox.js';
import { registerAdoptCommands } from './commands/adopt.js';
import { registerAuditQueryCommands } from './commands/audit-query.js';
import { registerChangeCommands } from './commands/change.js';
import { registerEvidenceCommands } from './commands/evidence.js';
import { registerReleaseCommands } from './commands/release.js';
import { registerReviewCommands } from './commands/review.js';
import { registerServeCommands } from './commands/serve.js';
import { registerJobsCommands } from './commands/jobs.js';
import { registerSignalsCommands } from './commands/signals.js';
import { registerBreakGlassCommands } from './commands/break-glass.js';
import { registerReviewDueCommands } from './commands/review-due.js';

/** Adds one group of subcommands to the program. */
export type CommandRegistrar = (program: Command) => void;

/** Every command group featgate offers; each concept contributes its own registrar. */
const registrars: CommandRegistrar[] = [registerAuditCommands, registerKeysCommands, registerPolicyCommands, registerSandboxCommands, registerServeCommands, registerChangeCommands, registerReviewCommands, registerEvidenceCommands, registerReleaseCommands, registerAdoptCommands, registerAuditQueryCommands, registerJobsCommands, registerSignalsCommands, registerBreakGlassCommands, registerReviewDueCommands];

/** Builds the `featgate` command line. */
export function createProgram(): Command {
  const program = new Command('featgate')
    .description('Approval flow, staged exposure and audit for AI configuration in FeatBit flags')
    .showHelpAfterError()
    .exitOverride();
  for (const register of registrars) register(program);
  return program;
}
