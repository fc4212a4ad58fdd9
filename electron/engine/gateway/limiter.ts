// Concurrency limit with a bounded FIFO queue. At most `limit` holders at once; the rest
// wait in arrival order until a slot frees, their timeout passes, or they give up.
//
// A slot is held as a SlotLease, the one owner of it: its release() is idempotent, so each
// request ties its lease to the end of its own lifetime (the response's 'close', the fast
// path exchange's settle, the WebSocket's close) and every way a request can end (done,
// upstream cut, client gone, gateway closed) gives the slot back exactly once.

/** `lease` is the granted slot, or null when the wait timed out or the limiter drained. */
export type Grant = (lease: SlotLease | null) => void;

/** One held slot. The first release() gives it back; later calls do nothing. */
export class SlotLease {
  private limiter: Limiter | null;

  constructor(limiter: Limiter) {
    this.limiter = limiter;
  }

  get held(): boolean {
    return this.limiter !== null;
  }

  release(): void {
    const l = this.limiter;
    if (l === null) return;
    this.limiter = null;
    l.releaseSlot();
  }
}

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

  /** Takes a slot if one is free (and nobody waits for one). */
  tryAcquire(): SlotLease | null {
    if (this.active < this.limit && this.waiting === 0) {
      this.active++;
      return new SlotLease(this);
    }
    return null;
  }

  /**
   * Queues for a slot. Returns null when the queue is full (the caller answers 429 at
   * once). `grant(lease)` hands over a slot (the holder releases the lease when it is
   * done); `grant(null)` means the wait timed out or the limiter drained.
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

  /** @internal Only SlotLease.release() calls this, once per lease. */
  releaseSlot(): void {
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
        g(null);
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
        g(new SlotLease(this));
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
    g(null);
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
