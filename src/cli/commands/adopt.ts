import type { Command } from 'commander';
import { clientFrom, runApiCommand, withApiOptions, type ApiCommandOptions } from '../api-client/index.js';

interface AdoptOptions extends ApiCommandOptions {
  readonly reason: string;
  readonly surface?: string;
  readonly owner?: string;
  readonly baselineVariation?: string;
}

interface AdoptedState {
  readonly envId: string;
  readonly flagKey: string;
  readonly baselineVariationId: string;
  readonly version: number;
}

/** Adds `featgate adopt`: record a flag's current FeatBit state as its approved baseline (admin only, audited). */
export function registerAdoptCommands(program: Command): void {
  withApiOptions(program.command('adopt').argument('<env>', 'FeatBit environment id').argument('<flag>', 'flag key'))
    .description("Record a flag's current FeatBit state as its approved baseline")
    .requiredOption('--reason <text>', 'why this state is accepted as approved')
    .option('--surface <surface>', 'config surface (default: from the policy)')
    .option('--owner <owner>', 'owner (default: from the policy)')
    .option(
      '--baseline-variation <id>',
      'baseline variation id (default: from the policy, else what the default rule serves)',
    )
    .action(async (env: string, flag: string, options: AdoptOptions) => {
      const body = {
        envId: env,
        flagKey: flag,
        reason: options.reason,
        ...(options.surface ? { surface: options.surface } : {}),
        ...(options.owner ? { owner: options.owner } : {}),
        ...(options.baselineVariation ? { baselineVariationId: options.baselineVariation } : {}),
      };
      await runApiCommand(
        options,
        () => clientFrom(options).post<AdoptedState>('/v1/adoptions', body),
        (state) =>
          `adopted ${state.envId}/${state.flagKey}: baseline ${state.baselineVariationId}, version ${state.version}`,
      );
    });
}
