/** Which requests a fault applies to: the REST API, the SDK endpoints, or both. Control routes never fail. */
export enum FaultTarget {
  Rest = 'rest',
  Sdk = 'sdk',
  All = 'all',
}

interface FailureFault {
  readonly status: number;
  readonly target: FaultTarget;
  /** Only requests with this HTTP method (a gateway refusing PATCH, say); every method when absent. */
  readonly method?: string;
  remaining: number;
  readonly until: number;
}

interface LatencyFault {
  readonly ms: number;
  readonly target: FaultTarget;
  remaining: number;
  readonly until: number;
}

/**
 * How long or how often a fault lasts: the next `count` requests, or every request for `forMs`. Read from the control
 * API's body schema, so an absent member may be present as undefined.
 */
export interface FaultSpan {
  readonly count?: number | undefined;
  readonly forMs?: number | undefined;
  readonly target?: FaultTarget | undefined;
}

/** Decides, request by request, which injected failure or delay applies. */
export class FaultInjector {
  private failures: FailureFault[] = [];
  private latencies: LatencyFault[] = [];

  /**
   * Answers the next requests (of `method` only, when given) with `status` (default 500) in FeatBit's envelope: what a
   * gateway in front of FeatBit, or FeatBit failing, answers.
   */
  fail(span: FaultSpan & { status?: number; method?: string }): void {
    this.failures.push({
      status: span.status ?? 500,
      target: span.target ?? FaultTarget.Rest,
      ...(span.method ? { method: span.method.toUpperCase() } : {}),
      ...bounds(span),
    });
  }

  /** Delays the next requests by `ms` before they are handled. */
  delay(ms: number, span: FaultSpan = {}): void {
    this.latencies.push({ ms, target: span.target ?? FaultTarget.Rest, ...bounds(span) });
  }

  /** Removes every failure and delay. */
  clear(): void {
    this.failures = [];
    this.latencies = [];
  }

  /** The status to fail this request with, if a fault applies (consumes one count). */
  takeFailure(target: FaultTarget.Rest | FaultTarget.Sdk, method?: string): number | undefined {
    const fault = take(
      this.failures.filter((failure) => failure.method === undefined || failure.method === method?.toUpperCase()),
      target,
    );
    return fault?.status;
  }

  /** Milliseconds to wait before handling this request (sum of applicable delays, each consuming one count). */
  takeLatency(target: FaultTarget.Rest | FaultTarget.Sdk): number {
    const now = Date.now();
    let total = 0;
    for (const fault of this.latencies) {
      if (!applies(fault, target, now)) continue;
      fault.remaining -= 1;
      total += fault.ms;
    }
    return total;
  }
}

function bounds(span: FaultSpan): { remaining: number; until: number } {
  if (span.forMs !== undefined) return { remaining: Number.POSITIVE_INFINITY, until: Date.now() + span.forMs };
  return { remaining: span.count ?? 1, until: Number.POSITIVE_INFINITY };
}

function applies(
  fault: { target: FaultTarget; remaining: number; until: number },
  target: FaultTarget,
  now: number,
): boolean {
  return fault.remaining > 0 && fault.until > now && (fault.target === FaultTarget.All || fault.target === target);
}

function take<F extends { target: FaultTarget; remaining: number; until: number }>(
  faults: F[],
  target: FaultTarget,
): F | undefined {
  const now = Date.now();
  const fault = faults.find((item) => applies(item, target, now));
  if (fault) fault.remaining -= 1;
  return fault;
}
