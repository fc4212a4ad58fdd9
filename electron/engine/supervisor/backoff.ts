// Restart back-off after crashes: the first crash restarts at once, repeated crashes wait
// base, 2*base, 4*base ... up to cap (crash_loop). A stretch of stable ready resets it.
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Ready this long without a crash clears the crash count. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 60_000, resetAfterMs: 120_000 };

export class CrashBackoff {
  private crashes = 0;
  private readySince: number | null = null;

  constructor(private readonly opts: BackoffOptions = DEFAULT_BACKOFF) {}

  get count(): number {
    return this.crashes;
  }

  /** Records a crash; returns how long to wait before the restart (0: restart now). */
  onCrash(now: number): number {
    this.maybeReset(now);
    this.readySince = null;
    const n = this.crashes++;
    if (n === 0) return 0;
    return Math.min(this.opts.capMs, this.opts.baseMs * 2 ** (n - 1));
  }

  onReady(now: number): void {
    if (this.readySince === null) this.readySince = now;
  }

  onNotReady(): void {
    this.readySince = null;
  }

  /** Called on crash and periodically: a long enough ready streak forgives past crashes. */
  maybeReset(now: number): boolean {
    if (this.readySince !== null && now - this.readySince >= this.opts.resetAfterMs && this.crashes > 0) {
      this.crashes = 0;
      return true;
    }
    return false;
  }

  reset(): void {
    this.crashes = 0;
    this.readySince = null;
  }
}
