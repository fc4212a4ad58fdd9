// Concurrency limit with a bounded FIFO queue. At most `limit` holders at once; the rest
// wait in arrival order until a slot frees, their timeout passes, or they give up.
// The fast path (a free slot) allocates nothing.

export type Grant = (ok: boolean) => void;

/** A queued request. `cancel()` removes it (client went away) without granting. */
export interface Waiter {
  grant: Grant | null;
  timer: NodeJS.Timeout | null;
}

export class Limiter {
  private active = 0;
  private queue: Array<Waiter | null> = [];
  private head = 0;
  private waiting = 0;

  constructor(
    private limit: number,
    readonly queueLimit: number,
    readonly queueTimeoutMs: number,
  ) {
    if (!(limit >= 1)) this.limit = 1;
  }

  get inFlight(): number {
    return this.active;
  }
  get queueDepth(): number {
    return this.waiting;
  }

  setLimit(limit: number): void {
    this.limit = Math.max(1, limit | 0);
    while (this.active < this.limit && this.waiting > 0) {
      this.active++;
      this.grantNext();
    }
  }

  /** Takes a slot if one is free. */
  tryAcquire(): boolean {
    if (this.active < this.limit && this.waiting === 0) {
      this.active++;
      return true;
    }
    return false;
  }

  /**
   * Queues for a slot. Returns null when the queue is full (the caller answers 429 at
   * once). `grant(true)` hands over a slot (the holder must `release()` it); `grant(false)`
   * means the wait timed out.
   */
  enqueue(grant: Grant): Waiter | null {
    if (this.waiting >= this.queueLimit) return null;
    const w: Waiter = { grant, timer: null };
    w.timer = setTimeout(() => this.expire(w), this.queueTimeoutMs);
    this.queue.push(w);
    this.waiting++;
    return w;
  }

  /** Removes a waiter that no longer wants a slot. */
  cancel(w: Waiter): void {
    if (w.grant === null) return;
    w.grant = null;
    if (w.timer) clearTimeout(w.timer);
    this.waiting--;
    this.compact();
  }

  release(): void {
    if (this.waiting > 0 && this.active <= this.limit) {
      // The slot passes straight to the next waiter.
      this.grantNext();
      return;
    }
    if (this.active > 0) this.active--;
  }

  /** Fails every waiter (gateway closing). */
  drain(): void {
    for (let i = this.head; i < this.queue.length; i++) {
      const w = this.queue[i];
      if (w && w.grant) {
        const g = w.grant;
        w.grant = null;
        if (w.timer) clearTimeout(w.timer);
        g(false);
      }
    }
    this.queue = [];
    this.head = 0;
    this.waiting = 0;
  }

  private grantNext(): void {
    while (this.head < this.queue.length) {
      const w = this.queue[this.head];
      this.queue[this.head++] = null;
      if (w && w.grant) {
        const g = w.grant;
        w.grant = null;
        if (w.timer) clearTimeout(w.timer);
        this.waiting--;
        this.compact();
        g(true);
        return;
      }
    }
    // Nobody left to hand the slot to.
    this.active--;
    this.compact();
  }

  private expire(w: Waiter): void {
    if (w.grant === null) return;
    const g = w.grant;
    w.grant = null;
    w.timer = null;
    this.waiting--;
    this.compact();
    g(false);
  }

  private compact(): void {
    if (this.waiting === 0) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
