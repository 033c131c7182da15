/** How long a stopping service may take to close before the process exits anyway. */
export const SHUTDOWN_DEADLINE_MS = 4_000;

/** Exit codes of a process stopped by a signal, as shells report them (128 + signal number). */
const SIGNAL_EXIT_CODES: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/** Resolves when SIGINT or SIGTERM arrives; installed before the service starts so a signal is never ignored. */
export interface ShutdownSignal {
  /** Settles with the signal's name once one arrives. */
  readonly received: Promise<NodeJS.Signals>;
  /** Exits 0 once `close` finishes, or with the signal's exit code when the deadline passes first. */
  exitAfter(close: () => Promise<void>, signal: NodeJS.Signals, deadlineMs?: number): Promise<never>;
}

/**
 * Listens for SIGINT and SIGTERM from now on. A signal while the service is still starting (for example waiting for an
 * unreachable Redis) ends the process at once; a second signal during a close ends it at once too. Whatever is down,
 * the process is gone within the deadline.
 */
export function listenForShutdown(): ShutdownSignal {
  let signalled: NodeJS.Signals | undefined;
  let resolveReceived!: (signal: NodeJS.Signals) => void;
  const received = new Promise<NodeJS.Signals>((resolve) => (resolveReceived = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(SIGNAL_EXIT_CODES[signal] ?? 1);
    signalled = signal;
    resolveReceived(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    received,
    async exitAfter(close, signal, deadlineMs = SHUTDOWN_DEADLINE_MS) {
      const deadline = setTimeout(() => process.exit(SIGNAL_EXIT_CODES[signal] ?? 1), deadlineMs);
      deadline.unref();
      const closed = await close().then(
        () => true,
        () => false,
      );
      process.exit(closed ? 0 : (SIGNAL_EXIT_CODES[signal] ?? 1));
    },
  };
}
