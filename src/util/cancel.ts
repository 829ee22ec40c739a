/** What a cancelled job's runner sends: SIGINT first, SIGTERM after a grace period. */
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
const EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

export interface Cancellation {
  /** Aborted with an Error naming the signal when the first SIGINT or SIGTERM arrives. */
  signal: AbortSignal;
  /** The exit code the signal calls for (128 + its number), once one arrived. */
  exitCode(): number | undefined;
  /** Removes the handlers. */
  dispose(): void;
}

/**
 * Turns SIGINT and SIGTERM into an abort, so a restore or save that is cancelled stops its
 * processes and removes what it staged or uploaded before the process exits, instead of dying
 * mid-write. A second signal exits at once. For the entry files only: it installs handlers.
 */
export function cancelOnSignals(): Cancellation {
  const ac = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (received) process.exit(EXIT_CODES[sig] ?? 1);
    received = sig;
    ac.abort(new Error(`cancelled by ${sig}`));
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return {
    signal: ac.signal,
    exitCode: () => (received ? EXIT_CODES[received] : undefined),
    dispose: () => SIGNALS.forEach((s) => process.off(s, onSignal)),
  };
}
