import { Option, type Command } from 'commander';
import { clientFrom, runApiCommand, withApiOptions, type ApiCommandOptions } from '../api-client/index.js';
import { renderChange, type ChangeSummary } from './render-change.js';

interface EvidenceOptions extends ApiCommandOptions {
  readonly type: string;
  readonly summary: string;
  readonly result: string;
  readonly link?: string;
}

/** Adds `featgate evidence add`. */
export function registerEvidenceCommands(program: Command): void {
  const group = program.command('evidence').description('Attach evidence to change records');
  withApiOptions(group.command('add').argument('<key>', 'change key'))
    .description('Attach evidence (type, link, summary, result); shown against what the tier requires')
    .addOption(new Option('--type <type>', 'evidence type, e.g. offlineEval, securityReview').makeOptionMandatory())
    .addOption(new Option('--summary <text>', 'what it showed').makeOptionMandatory())
    .addOption(new Option('--result <result>', 'passed, failed or inconclusive').makeOptionMandatory())
    .option('--link <url>', 'where to see it')
    .action(async (key: string, options: EvidenceOptions) => {
      const client = clientFrom(options);
      const body = { type: options.type, summary: options.summary, result: options.result, ...(options.link ? { link: options.link } : {}) };
      await runApiCommand(options, () => client.post<ChangeSummary>(`/v1/changes/${encodeURIComponent(key)}/evidence`, body), renderChange);
    });
}
