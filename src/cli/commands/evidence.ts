import { Option, type Command } from 'commander';
import { clientFrom, runApiCommand, withApiOptions, type ApiCommandOptions } from '../api-client/index.js';
import { renderChange, type ChangeSummary } from './render-change.js';
import { EvidenceFileFormat, readEvidenceFile, type EvidenceFileOptions } from './evidence-file.js';

/** `evidence attach` options: the API's, the file's (see `EvidenceFileOptions`), and those of a claim without a file. */
interface EvidenceOptions extends ApiCommandOptions, EvidenceFileOptions {
  readonly summary?: string;
  readonly result?: string;
  readonly link?: string;
  readonly file?: string;
}

/**
 * Adds `featgate evidence attach` (alias `add`): typed evidence from a file (featgate's format or promptfoo's JSON
 * output), which featgate checks itself, or a claim (`--summary`, `--result`) that counts only where the policy
 * checks nothing. Exit codes as every API verb: 0 attached, 1 refused, 2 unreadable input or service unreachable.
 */
export function registerEvidenceCommands(program: Command): void {
  const group = program.command('evidence').description('Attach evidence to change records');
  withApiOptions(group.command('attach').alias('add').argument('<key>', 'change key'))
    .description('Attach evidence: typed content from --file (checked by featgate), or a claim (--summary, --result)')
    .addOption(
      new Option(
        '--type <type>',
        'evidence type, e.g. offlineEval, securityReview, rollbackTest',
      ).makeOptionMandatory(),
    )
    .option(
      '--file <path>',
      "typed content as JSON (an offlineEval's eval, a review, a rollbackTest, shadowTraffic; - for stdin)",
    )
    .addOption(
      new Option('--format <format>', 'format of --file')
        .choices(Object.values(EvidenceFileFormat))
        .default(EvidenceFileFormat.Featgate),
    )
    .option('--summary <text>', 'what it showed (from the file when absent)')
    .option('--result <result>', 'for a claim without --file: passed, failed or inconclusive')
    .option('--link <url>', 'where to see it (e.g. the CI run)')
    .option(
      '--candidate-hash <hash>',
      "promptfoo: the change's candidateHash the eval ran on (else the config's metadata.featgateCandidateHash)",
    )
    .option('--dataset <name>', 'promptfoo: the dataset the tests come from')
    .option('--dataset-version <version>', "promptfoo: the dataset's version")
    .option(
      '--evaluator-version <version>',
      "promptfoo: promptfoo's version (else the output's metadata.promptfooVersion)",
    )
    .option(
      '--baseline-prompt <prompt>',
      'promptfoo: label, id or index of the baseline prompt (the first of two by default)',
    )
    .option(
      '--candidate-prompt <prompt>',
      'promptfoo: label, id or index of the candidate prompt (the second of two by default)',
    )
    .option('--lower-is-better <metric...>', 'promptfoo: named scores where lower is better')
    .action(async (key: string, options: EvidenceOptions) => {
      const client = clientFrom(options);
      const read = options.file ? readEvidenceFile(options.file, options) : undefined;
      const body = {
        type: options.type,
        summary: options.summary ?? read?.summary ?? '',
        ...(read ? read.content : {}),
        // A result beside typed content is sent too, so the service refuses it by name rather than it being dropped.
        ...(options.result !== undefined ? { result: options.result } : {}),
        ...(options.link ? { link: options.link } : {}),
      };
      await runApiCommand(
        options,
        () => client.post<ChangeSummary>(`/v1/changes/${encodeURIComponent(key)}/evidence`, body),
        renderChange,
      );
    });
}
