import { Command } from 'commander';

/** Adds one group of subcommands to the program. */
export type CommandRegistrar = (program: Command) => void;

/** A top-level command: its name and summary for `--help`, and the modules that define it, loaded only when it runs. */
interface CommandEntry {
  readonly name: string;
  readonly description: string;
  readonly load: readonly (() => Promise<CommandRegistrar>)[];
}

/**
 * Every command group featgate offers. Each concept contributes its own registrar; a registrar's module (and what it
 * imports: Redis clients, the service, the sandbox) loads only when its command is the one being run, so `--help` and
 * API verbs start without loading the rest.
 */
const commands: readonly CommandEntry[] = [
  {
    name: 'serve',
    description: 'Run the governance service (config: --config / FEATGATE_CONFIG, environment variables, --port)',
    load: [async () => (await import('./commands/serve.js')).registerServeCommands],
  },
  {
    name: 'sandbox',
    description: 'Run a local FeatBit emulator (REST API, SDK endpoints, webhooks, fault injection)',
    load: [async () => (await import('./commands/sandbox.js')).registerSandboxCommands],
  },
  {
    name: 'policy',
    description: 'Check the policy pack and see how it classifies a change',
    load: [async () => (await import('./commands/policy.js')).registerPolicyCommands],
  },
  {
    name: 'audit',
    description: 'Inspect and check the tamper-evident ledger',
    load: [
      async () => (await import('./commands/audit.js')).registerAuditCommands,
      async () => (await import('./commands/audit-query.js')).registerAuditQueryCommands,
    ],
  },
  {
    name: 'keys',
    description: 'Print the public JWK of the manifest signing key',
    load: [async () => (await import('./commands/keys.js')).registerKeysCommands],
  },
  {
    name: 'change',
    description: 'Open, edit and inspect change records',
    load: [async () => (await import('./commands/change.js')).registerChangeCommands],
  },
  {
    name: 'review',
    description: 'Approve or reject change records',
    load: [async () => (await import('./commands/review.js')).registerReviewCommands],
  },
  {
    name: 'evidence',
    description: 'Attach evidence to change records',
    load: [async () => (await import('./commands/evidence.js')).registerEvidenceCommands],
  },
  {
    name: 'release',
    description: 'Ramp approved changes through their release stages',
    load: [async () => (await import('./commands/release.js')).registerReleaseCommands],
  },
  {
    name: 'adopt',
    description: "Record a flag's current FeatBit state as its approved baseline",
    load: [async () => (await import('./commands/adopt.js')).registerAdoptCommands],
  },
  {
    name: 'jobs',
    description: "The webhook bridge's reconcile jobs",
    load: [async () => (await import('./commands/jobs.js')).registerJobsCommands],
  },
  {
    name: 'signals',
    description: 'Guardrail metrics of changes being ramped',
    load: [async () => (await import('./commands/signals.js')).registerSignalsCommands],
  },
  {
    name: 'break-glass',
    description: 'Emergency changes without prior approval; one per flag, every end restores the pre-incident state',
    load: [async () => (await import('./commands/break-glass.js')).registerBreakGlassCommands],
  },
  {
    name: 'demo',
    description: 'Play the demo: a flag admin edits FeatBit; an app evaluates through the gate',
    load: [async () => (await import('./commands/demo.js')).registerDemoCommands],
  },
  {
    name: 'review-due',
    description: 'List changes and temporary flags past their review date, and overdue break-glass post-reviews',
    load: [async () => (await import('./commands/review-due.js')).registerReviewDueCommands],
  },
];

/**
 * Builds the `featgate` command line for `argv`: the command being run is loaded whole; every other command is listed
 * by name and summary only (enough for `--help`), so a start loads just what it runs.
 */
export async function createProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('featgate')
    .description('Approval flow, staged exposure and audit for AI configuration in FeatBit flags')
    .showHelpAfterError()
    .exitOverride();
  const words = argv.slice(2).filter((arg) => !arg.startsWith('-'));
  const requested = words[0] === 'help' ? words[1] : words[0];
  for (const entry of commands) {
    if (entry.name === requested) {
      for (const load of entry.load) (await load())(program);
    } else {
      program.command(entry.name).description(entry.description);
    }
  }
  return program;
}
