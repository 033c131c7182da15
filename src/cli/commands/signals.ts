import { InvalidArgumentError, type Command } from 'commander';
import { clientFrom, runApiCommand, withApiOptions, type ApiCommandOptions } from '../api-client/index.js';

interface SignalOptions extends ApiCommandOptions {
  readonly metric: string[];
  readonly at?: string;
}

interface SignalsAnswer {
  readonly recorded: number;
  readonly outcome: string;
  readonly breaches: readonly { metric: string; value: number; operator: string; threshold: number; action: string }[];
  readonly change: { readonly key: string; readonly status: string };
}

interface GuardrailAnswer {
  readonly changeKey: string;
  readonly conditions: readonly {
    metric: string;
    operator: string;
    threshold: number;
    action: string;
    state: string;
    latest: { value: number; observedAt: string } | null;
  }[];
}

/** Parses `name=value` into a metric reading. */
function metricReading(text: string, previous: string[] = []): string[] {
  if (!/^[^=\s]+=-?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i.test(text))
    throw new InvalidArgumentError(`expected name=number, got ${text}`);
  return [...previous, text];
}

/** Adds `featgate signals record|status`: report guardrail metric values, and see each guardrail's state. */
export function registerSignalsCommands(program: Command): void {
  const group = program.command('signals').description('Guardrail metrics of changes being ramped');
  withApiOptions(group.command('record').argument('<key>', 'change key'))
    .description(
      'Report metric values (e.g. --metric escalationRate=0.04); a breach holds or rolls back as the plan says',
    )
    .requiredOption('--metric <name=value>', 'metric reading, repeatable', metricReading)
    .option('--at <time>', 'when the values were measured (ISO time); now when absent')
    .action(async (key: string, options: SignalOptions) => {
      const signals = options.metric.map((reading) => {
        const [metric, value] = reading.split('=') as [string, string];
        return { metric, value: Number(value), ...(options.at ? { observedAt: options.at } : {}) };
      });
      await runApiCommand(
        options,
        () => clientFrom(options).post<SignalsAnswer>(`/v1/changes/${encodeURIComponent(key)}/signals`, { signals }),
        (answer) =>
          [
            `${answer.recorded} value(s) recorded for ${answer.change.key}; guardrails: ${answer.outcome}; status ${answer.change.status}`,
            ...answer.breaches.map(
              (breach) =>
                `  breach: ${breach.metric} ${breach.value} ${breach.operator} ${breach.threshold} -> ${breach.action}`,
            ),
          ].join('\n'),
      );
    });
  withApiOptions(group.command('status').argument('<key>', 'change key'))
    .description('Each guardrail condition of a change with its latest value')
    .action(async (key: string, options: ApiCommandOptions) => {
      await runApiCommand(
        options,
        () => clientFrom(options).get<GuardrailAnswer>(`/v1/changes/${encodeURIComponent(key)}/guardrails`),
        (answer) =>
          answer.conditions.length === 0
            ? `${answer.changeKey} has no guardrail conditions`
            : answer.conditions
                .map(
                  (condition) =>
                    `${condition.state.padEnd(8)} ${condition.metric} ${condition.operator} ${condition.threshold} (${condition.action})${condition.latest ? `: ${condition.latest.value} at ${condition.latest.observedAt}` : ''}`,
                )
                .join('\n'),
      );
    });
}
