/**
 * What an application reports about one AI call it made with a flag's value: each field becomes one metric of the
 * served variation's aggregate (`errorRate` is 1 for an error and 0 otherwise, so its mean is the error rate).
 */
export interface OutcomeMetrics {
  readonly latencyMs?: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly costUsd?: number;
  /** Whether the call failed (exception, refusal, unusable answer). */
  readonly error?: boolean;
  /** Whether the conversation was escalated to a person. */
  readonly escalated?: boolean;
  /** User feedback, e.g. 1 for thumbs up and 0 for thumbs down. */
  readonly feedback?: number;
  /** Judge or evaluator scores by name (`groundedness`, `helpfulness`); reported as `score.<name>`. */
  readonly scores?: Readonly<Record<string, number>>;
}

/** Most metric names one outcome may carry (keeps a hostile or buggy caller from growing an aggregate). */
export const MAX_OUTCOME_METRICS = 20;

/** The metric values of an outcome: finite numbers only, at most MAX_OUTCOME_METRICS names. */
export function outcomeValues(outcome: OutcomeMetrics): Array<[string, number]> {
  const values: Array<[string, number]> = [];
  const add = (name: string, value: number | boolean | undefined): void => {
    if (value === undefined || values.length >= MAX_OUTCOME_METRICS) return;
    const number = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    if (Number.isFinite(number)) values.push([name, number]);
  };
  add('latencyMs', outcome.latencyMs);
  add('inputTokens', outcome.inputTokens);
  add('outputTokens', outcome.outputTokens);
  add('costUsd', outcome.costUsd);
  add('errorRate', outcome.error);
  add('escalationRate', outcome.escalated);
  add('feedback', outcome.feedback);
  for (const [name, score] of Object.entries(outcome.scores ?? {})) add(`score.${name.slice(0, 100)}`, score);
  return values;
}
