// Fan-out of contract events to transports. A throwing listener must not break others.
import type { EventChannel, EventMap } from '../../../shared/api/index.js';

export type BusListener = <C extends EventChannel>(channel: C, payload: EventMap[C]) => void;

export class EventBus {
  private readonly listeners = new Set<BusListener>();
  private readonly activity = new Set<(active: boolean) => void>();

  subscribe(listener: BusListener): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.activity.forEach((f) => f(true));
    return () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0) this.activity.forEach((f) => f(false));
    };
  }

  /**
   * Called with true when the first listener subscribes and false when the last leaves, so
   * costly sources (GPU sampling runs nvidia-smi) only run while someone is watching.
   */
  onActivity(f: (active: boolean) => void): () => void {
    this.activity.add(f);
    if (this.listeners.size) f(true);
    return () => this.activity.delete(f);
  }

  emit<C extends EventChannel>(channel: C, payload: EventMap[C]): void {
    for (const l of [...this.listeners]) {
      try {
        l(channel, payload);
      } catch {
        // A transport's failure to deliver is its own concern; others still get the event.
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
