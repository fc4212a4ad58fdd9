import { describe, expect, it } from 'vitest';
import { Limiter, type SlotLease } from '../../../electron/engine/gateway/limiter.js';

describe('Limiter', () => {
  it('grants up to the limit, then queues FIFO', () => {
    const l = new Limiter(2, 10, 10_000);
    const a = l.tryAcquire()!;
    const b = l.tryAcquire()!;
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(l.tryAcquire()).toBeNull();
    const order: number[] = [];
    const leases: SlotLease[] = [];
    const take = (n: number) => (lease: SlotLease | null) => {
      if (lease) {
        order.push(n);
        leases.push(lease);
      }
    };
    l.enqueue(take(1));
    l.enqueue(take(2));
    l.enqueue(take(3));
    expect(l.queueDepth).toBe(3);
    a.release();
    b.release();
    expect(order).toEqual([1, 2]);
    expect(l.inFlight).toBe(2);
    leases[0].release();
    expect(order).toEqual([1, 2, 3]);
    leases[1].release();
    leases[2].release();
    expect(l.inFlight).toBe(0);
    expect(l.queueDepth).toBe(0);
    l.drain();
  });

  it('gives a slot back once however many times its lease is released', () => {
    const l = new Limiter(1, 0, 10_000);
    const a = l.tryAcquire()!;
    expect(a.held).toBe(true);
    a.release();
    a.release();
    a.release();
    expect(a.held).toBe(false);
    expect(l.inFlight).toBe(0);
    // A double release must not free a slot someone else now holds.
    const b = l.tryAcquire()!;
    a.release();
    expect(l.inFlight).toBe(1);
    expect(l.tryAcquire()).toBeNull();
    b.release();
    expect(l.inFlight).toBe(0);
  });

  it('refuses when the queue is full and skips cancelled waiters', () => {
    const l = new Limiter(1, 2, 10_000);
    const first = l.tryAcquire()!;
    const got: string[] = [];
    const leases: SlotLease[] = [];
    const a = l.enqueue((lease) => lease && got.push('a'))!;
    expect(l.enqueue((lease) => lease && got.push('b') && leases.push(lease))).not.toBeNull();
    expect(l.enqueue(() => got.push('c'))).toBeNull();
    // A waiter behind others cannot jump the queue via tryAcquire.
    expect(l.tryAcquire()).toBeNull();
    l.cancel(a);
    expect(l.queueDepth).toBe(1);
    first.release();
    expect(got).toEqual(['b']);
    leases[0].release();
    expect(l.inFlight).toBe(0);
    l.drain();
  });

  it('times waiters out with grant(null)', async () => {
    const l = new Limiter(1, 5, 50);
    const held = l.tryAcquire()!;
    const result = await new Promise<SlotLease | null>((resolve) => l.enqueue(resolve));
    expect(result).toBeNull();
    expect(l.queueDepth).toBe(0);
    held.release();
    expect(l.inFlight).toBe(0);
  });

  it('drain fails every waiter', () => {
    const l = new Limiter(1, 5, 10_000);
    l.tryAcquire();
    const res: Array<SlotLease | null> = [];
    l.enqueue((lease) => res.push(lease));
    l.enqueue((lease) => res.push(lease));
    l.drain();
    expect(res).toEqual([null, null]);
  });
});
