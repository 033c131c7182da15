import { z } from 'zod';
import { FeatgateError, ErrorCode } from '../../errors/index.js';

/** Where featgate pulls guardrail metrics from. */
export interface PrometheusClientOptions {
  /** Base URL of the Prometheus HTTP API, e.g. `http://prometheus:9090` (`/api/v1/query` is appended). */
  readonly url: string;
  /** Extra headers (e.g. a bearer token for a managed Prometheus); never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** Prometheus answered with an error, an unexpected body, or no usable sample. */
export class PrometheusQueryError extends FeatgateError {
  readonly code = ErrorCode.Upstream;
}

const sample = z.tuple([z.number(), z.string()]);

/** Prometheus's instant-query envelope (`GET /api/v1/query`), per its HTTP API documentation. */
const queryResponseSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({
        resultType: z.literal('vector'),
        result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: sample })),
      }),
      z.object({ resultType: z.literal('scalar'), result: sample }),
      z.object({ resultType: z.literal('matrix'), result: z.array(z.unknown()) }),
      z.object({ resultType: z.literal('string'), result: z.unknown() }),
    ]),
  }),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }),
]);

/** One metric value from an instant query. */
export interface PrometheusSample {
  readonly value: number;
  /** Sample time (Prometheus's evaluation time). */
  readonly observedAt: string;
}

/**
 * Runs a PromQL instant query and returns its single value: a scalar, or a vector with exactly one series (write
 * the query so it aggregates, e.g. `sum(rate(...))`). An empty vector means "no data" (undefined, not zero); a
 * vector of several series, a matrix, or a value that is not a finite number (NaN, ±Inf) is refused, because a
 * guardrail must never judge a value it cannot read.
 */
export async function queryPrometheus(
  options: PrometheusClientOptions,
  query: string,
): Promise<PrometheusSample | undefined> {
  const url = new URL('api/v1/query', options.url.endsWith('/') ? options.url : `${options.url}/`);
  url.searchParams.set('query', query);
  const fetchFn = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchFn(url, {
      headers: { accept: 'application/json', ...options.headers },
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
  } catch (error) {
    throw new PrometheusQueryError(`Prometheus at ${url.origin} could not be reached: ${(error as Error).message}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new PrometheusQueryError(`Prometheus answered HTTP ${response.status} without JSON`);
  }
  const parsed = queryResponseSchema.safeParse(body);
  if (!parsed.success)
    throw new PrometheusQueryError(`Prometheus answered HTTP ${response.status} with an unexpected body`);
  if (parsed.data.status === 'error') {
    throw new PrometheusQueryError(
      `Prometheus refused the query (${parsed.data.errorType ?? `HTTP ${response.status}`}): ${parsed.data.error ?? ''}`.trim(),
    );
  }
  const data = parsed.data.data;
  let point: [number, string];
  if (data.resultType === 'scalar') point = data.result;
  else if (data.resultType === 'vector') {
    if (data.result.length === 0) return undefined;
    if (data.result.length > 1)
      throw new PrometheusQueryError(`the query returned ${data.result.length} series; aggregate it to one value`);
    point = data.result[0]!.value;
  } else
    throw new PrometheusQueryError(
      `the query returned a ${data.resultType}; use an instant query that yields one value`,
    );
  const value = Number(point[1]);
  if (!Number.isFinite(value)) throw new PrometheusQueryError(`the query returned ${point[1]}, not a finite number`);
  return { value, observedAt: new Date(point[0] * 1000).toISOString() };
}
