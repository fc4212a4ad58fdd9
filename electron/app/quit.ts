// Quitting waits for the runtime to stop containers, but never forever: a Docker engine
// that hangs on stop (a wedged daemon, a container stuck in D state) must not leave a
// window-less Berth that the user can only kill. After the bound Berth quits anyway and
// says which containers may still run.

export const QUIT_TIMEOUT_MS = 20_000;

export type ShutdownOutcome = { kind: 'done' } | { kind: 'failed'; error: unknown } | { kind: 'timed-out'; afterMs: number };

export async function boundedShutdown(shutdown: () => Promise<void>, timeoutMs = QUIT_TIMEOUT_MS): Promise<ShutdownOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ShutdownOutcome>((res) => {
    timer = setTimeout(() => res({ kind: 'timed-out', afterMs: timeoutMs }), timeoutMs);
  });
  try {
    return await Promise.race([
      shutdown().then(
        (): ShutdownOutcome => ({ kind: 'done' }),
        (error: unknown): ShutdownOutcome => ({ kind: 'failed', error }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function shutdownWarning(o: ShutdownOutcome): string | null {
  if (o.kind === 'done') return null;
  if (o.kind === 'timed-out') return `Docker did not finish stopping containers within ${Math.round(o.afterMs / 1000)} s; Berth quit anyway. Check 'docker ps --filter label=dev.berth.owner' and stop what is left there; the next start re-adopts or replaces them.`;
  return `Stopping containers failed (${o.error instanceof Error ? o.error.message : String(o.error)}); Berth quit anyway. Check 'docker ps --filter label=dev.berth.owner' for containers Berth started.`;
}
