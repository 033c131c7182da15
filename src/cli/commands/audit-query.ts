import type { Command } from 'commander';
import { clientFrom, runApiCommand, withApiOptions, type ApiCommandOptions } from '../api-client/index.js';

interface QueryOptions extends ApiCommandOptions {
  readonly change?: string;
  readonly flag?: string;
  readonly actor?: string;
  readonly type?: string;
  readonly from?: string;
  readonly to?: string;
  readonly limit?: string;
  readonly afterSeq?: string;
}

interface AuditEntryView {
  readonly seq: number;
  readonly at: string;
  readonly type: string;
  readonly subject: string;
  readonly actor: { readonly id: string };
}

/** Adds `featgate audit query` (through the API) to the `audit` group that `audit verify` also lives in. */
export function registerAuditQueryCommands(program: Command): void {
  const audit =
    program.commands.find((command) => command.name() === 'audit') ??
    program.command('audit').description('Inspect and check the tamper-evident ledger');
  withApiOptions(audit.command('query'))
    .description('Ledger entries by change, flag, actor and time')
    .option('--change <key>', 'change key')
    .option('--flag <env/flag>', 'flag as <envId>/<flagKey>, or a flag key in any environment')
    .option('--actor <id>', 'actor id')
    .option('--type <type>', 'event type, e.g. review.submitted')
    .option('--from <time>', 'ISO time, inclusive')
    .option('--to <time>', 'ISO time, exclusive')
    .option('--limit <n>', 'most entries returned')
    .option('--after-seq <seq>', 'start after this ledger seq (the `more after seq` of the previous page)')
    .action(async (options: QueryOptions) => {
      const query = {
        change: options.change,
        flag: options.flag,
        actor: options.actor,
        type: options.type,
        from: options.from,
        to: options.to,
        limit: options.limit,
        afterSeq: options.afterSeq,
      };
      await runApiCommand(
        options,
        () => clientFrom(options).get<{ entries: AuditEntryView[]; nextAfterSeq: number | null }>('/v1/audit', query),
        (result) => {
          const lines = result.entries.map(
            (entry) => `${entry.seq}\t${entry.at}\t${entry.type}\t${entry.subject}\t${entry.actor.id}`,
          );
          if (lines.length === 0) lines.push('no entries');
          if (result.nextAfterSeq !== null)
            lines.push(`more after seq ${result.nextAfterSeq} (--after-seq ${result.nextAfterSeq})`);
          return lines.join('\n');
        },
      );
    });
}
