import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../src/logging/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { NotificationKind, type Notifier } from '../../src/notify/index.js';

/** What keeps featgate from holding a governed flag at its approved state. */
export enum FlagProblemKind {
  /** featgate's FeatBit token lacks an action a revert of this flag may need. */
  MissingPermission = 'missing-permission',
  /** A revert stopped before its first write: it needed an action the token lacks and JSON Patch is refused too. */
  RevertBlocked = 'revert-blocked',
  /** A revert was written but FeatBit does not hold the approved state after it. */
  RevertFailed = 'revert-failed',
}

/** One open problem of one flag. */
export interface FlagProblem {
  readonly kind: FlagProblemKind;
  readonly envId: string;
  readonly flagKey: string;
  /** What is wrong, for people: names the action or the fields that differ, never a secret. */
  readonly detail: string;
  readonly since: string;
}

/** The `/readyz` check the bridge contributes (the server's `ReadinessCheck` shape). */
export interface BridgeReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

/** How many problems readiness names before it says "and N more". */
const NAMED_IN_READINESS = 5;

/**
 * The bridge's open problems per flag, raised where people look: `/readyz` (503 naming the flag and the missing
 * permission or failed revert), the `featgate_bridge_flag_problems{kind}` gauge and the
 * `featgate_bridge_revert_failures_total{kind}` counter, and one revert-failed notification per problem until it is
 * cleared (a job that succeeds for the flag clears its revert problems; a probe that finds the permission clears it).
 */
export class BridgeHealth {
  private readonly open = new Map<string, FlagProblem>();
  private readonly failures?: Counter<'kind'>;
  private readonly notifier: Notifier | undefined;
  private readonly logger: Logger;
  private readonly now: () => Date;

  constructor(
    options: {
      readonly notifier?: Notifier;
      readonly metrics?: Registry;
      readonly logger?: Logger;
      readonly now?: () => Date;
    } = {},
  ) {
    this.notifier = options.notifier;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? (() => new Date());
    if (options.metrics) {
      const problems = (): FlagProblem[] => this.problems();
      new Gauge({
        name: 'featgate_bridge_flag_problems',
        help: 'Governed flags featgate cannot hold at their approved state, by problem kind',
        labelNames: ['kind'],
        registers: [options.metrics],
        collect() {
          for (const kind of Object.values(FlagProblemKind))
            this.set({ kind }, problems().filter((problem) => problem.kind === kind).length);
        },
      });
      this.failures = new Counter({
        name: 'featgate_bridge_revert_failures_total',
        help: 'Reverts that stopped or did not restore, by kind',
        labelNames: ['kind'],
        registers: [options.metrics],
      });
    }
  }

  /** Opens (or updates) a problem; the first time it opens, a revert-failed notification goes out. */
  async raise(kind: FlagProblemKind, envId: string, flagKey: string, detail: string): Promise<void> {
    const id = problemId(kind, envId, flagKey);
    const existing = this.open.get(id);
    if (kind !== FlagProblemKind.MissingPermission) this.failures?.inc({ kind });
    this.open.set(id, { kind, envId, flagKey, detail, since: existing?.since ?? this.now().toISOString() });
    if (existing && existing.detail === detail) return;
    this.logger.error({ envId, flagKey, kind, detail }, 'featgate cannot hold a governed flag at its approved state');
    await this.notifier?.notify({
      kind: NotificationKind.RevertFailed,
      subject: `flag:${envId}:${flagKey}`,
      text: describe({ kind, envId, flagKey, detail, since: '' }),
    });
  }

  /** Closes the flag's problems of `kinds` (all kinds when absent). */
  clear(envId: string, flagKey: string, kinds: readonly FlagProblemKind[] = Object.values(FlagProblemKind)): void {
    for (const kind of kinds) this.open.delete(problemId(kind, envId, flagKey));
  }

  /** Every open problem, oldest first. */
  problems(): FlagProblem[] {
    return [...this.open.values()].sort((a, b) => a.since.localeCompare(b.since));
  }

  /** `/readyz`: fails while a problem is open, naming the flags and what is missing. */
  readinessCheck(): BridgeReadinessCheck {
    return {
      name: 'featbit-governance',
      check: async () => {
        const problems = this.problems();
        if (problems.length === 0) return;
        const named = problems.slice(0, NAMED_IN_READINESS).map(describe).join('; ');
        const more = problems.length > NAMED_IN_READINESS ? `; and ${problems.length - NAMED_IN_READINESS} more` : '';
        throw new Error(`${named}${more}`);
      },
    };
  }
}

function describe(problem: FlagProblem): string {
  switch (problem.kind) {
    case FlagProblemKind.MissingPermission:
      return `featgate's FeatBit token lacks ${problem.detail} on flag ${problem.flagKey} (${problem.envId})`;
    case FlagProblemKind.RevertBlocked:
      return `featgate cannot revert flag ${problem.flagKey} (${problem.envId}): ${problem.detail}`;
    case FlagProblemKind.RevertFailed:
      return `featgate's revert of flag ${problem.flagKey} (${problem.envId}) did not restore it: ${problem.detail}`;
  }
}

function problemId(kind: FlagProblemKind, envId: string, flagKey: string): string {
  return `${kind}\u0000${envId}\u0000${flagKey}`;
}
