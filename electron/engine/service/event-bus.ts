// Fan-out of contract events to transports. A throwing listener must not break others.
import type { EventChannel, EventMap } from '../../../shared/api/index.js';

export type BusListener = <C extends EventChannel>(channel: C, payload: EventMap[C]) => void;

export class EventBus {
  private readonly listeners = new Set<BusListener>();

  subscribe(listener: BusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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
