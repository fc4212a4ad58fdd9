import { describe, expect, it } from 'vitest';
import { Limiter } from '../../../electron/engine/gateway/limiter.js';

describe('Limiter', () => {
  it('grants up to the limit, then queues FIFO', () => {
    const l = new Limiter(2, 10, 10_000);
    expect(l.tryAcquire()).toBe(true);
    expect(l.tryAcquire()).toBe(true);
    expect(l.tryAcquire()).toBe(false);
    const order: number[] = [];
    l.enqueue((ok) => ok && order.push(1));
    l.enqueue((ok) => ok && order.push(2));
    l.enqueue((ok) => ok && order.push(3));
    expect(l.queueDepth).toBe(3);
    l.release();
    l.release();
    expect(order).toEqual([1, 2]);
    expect(l.inFlight).toBe(2);
    l.release();
    expect(order).toEqual([1, 2, 3]);
    l.release();
    l.release();
    l.release();
    expect(l.inFlight).toBe(0);
    expect(l.queueDepth).toBe(0);
    l.drain();
  });

  it('refuses when the queue is full and skips cancelled waiters', () => {
    const l = new Limiter(1, 2, 10_000);
    expect(l.tryAcquire()).toBe(true);
    const got: string[] = [];
    const a = l.enqueue((ok) => ok && got.push('a'))!;
    expect(l.enqueue((ok) => ok && got.push('b'))).not.toBeNull();
    expect(l.enqueue(() => got.push('c'))).toBeNull();
    // A waiter behind others cannot jump the queue via tryAcquire.
    expect(l.tryAcquire()).toBe(false);
    l.cancel(a);
    expect(l.queueDepth).toBe(1);
    l.release();
    expect(got).toEqual(['b']);
    l.release();
    expect(l.inFlight).toBe(0);
    l.drain();
  });

  it('times waiters out with grant(false)', async () => {
    const l = new Limiter(1, 5, 50);
    l.tryAcquire();
    const result = await new Promise<boolean>((resolve) => l.enqueue(resolve));
    expect(result).toBe(false);
    expect(l.queueDepth).toBe(0);
    l.release();
    expect(l.inFlight).toBe(0);
  });

  it('drain fails every waiter', () => {
    const l = new Limiter(1, 5, 10_000);
    l.tryAcquire();
    const res: boolean[] = [];
    l.enqueue((ok) => res.push(ok));
    l.enqueue((ok) => res.push(ok));
    l.drain();
    expect(res).toEqual([false, false]);
  });
});
