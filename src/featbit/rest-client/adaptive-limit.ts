/**
 * A concurrency limit that adapts to FeatBit (additive increase, multiplicative decrease, as TCP's congestion window):
 * every `current` answers in a row that show no overload raise it by one, up to `max`; an overload answer (429, 5xx, a
 * timeout or refused connection) halves it, down to 1. So a burst of reverts runs as wide as FeatBit takes it, and a
 * FeatBit that struggles gets fewer requests at once instead of the same number retried.
 */
export class AdaptiveLimit {
  private limit: number;
  private active = 0;
  private streak = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly max: number,
    initial = Math.min(4, max),
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('the concurrency limit must be a positive integer');
    this.limit = Math.max(1, Math.min(max, initial));
  }

  /** Runs `task` once a slot is free; `overloaded` reads its outcome (true: FeatBit is struggling). */
  async run<T>(task: () => Promise<T>, overloaded: (outcome: T | undefined, error: unknown) => boolean): Promise<T> {
    await this.acquire();
    let outcome: T | undefined;
    let failure: unknown;
    try {
      outcome = await task();
      return outcome;
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      this.record(overloaded(outcome, failure));
      this.release();
    }
  }

  /** The current limit (between 1 and `max`). */
  get current(): number {
    return this.limit;
  }

  /** Tasks holding a slot right now. */
  get inUse(): number {
    return this.active;
  }

  private record(overloaded: boolean): void {
    if (overloaded) {
      this.limit = Math.max(1, Math.floor(this.limit / 2));
      this.streak = 0;
      return;
    }
    this.streak += 1;
    if (this.streak >= this.limit && this.limit < this.max) {
      this.limit += 1;
      this.streak = 0;
      this.wake();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    this.active -= 1;
    this.wake();
  }

  private wake(): void {
    while (this.active < this.limit && this.waiting.length > 0) {
      this.active += 1;
      this.waiting.shift()!();
    }
  }
}
