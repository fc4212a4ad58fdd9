// Events between engine modules. Two promises Node's EventEmitter does not make:
// - a listener that throws cannot break the emitter: a lifecycle transition that emits
//   `state` completes whatever a subscriber does (the error is reported, not rethrown);
// - `on` returns a Disposable, so a subscription is released by whoever holds it, and a
//   forgotten `off` with a re-created closure cannot leak a listener.
export interface Disposable {
  dispose(): void;
}

export type Listener<A extends unknown[]> = (...args: A) => void;

/** Where listener errors go: the process guard in serve/run/the app, or a test's collector. */
let reportListenerError: (event: string, err: unknown) => void = (event, err) => {
  console.error(`berth: a listener of '${event}' threw: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
};

export function onListenerError(f: (event: string, err: unknown) => void): void {
  reportListenerError = f;
}

export class TypedEmitter<E extends { [K in keyof E]: unknown[] }> {
  // Listeners of every event in one map; `on`/`emit` keep each event's argument types.
  private readonly listeners = new Map<keyof E, Set<(...args: never[]) => void>>();

  on<K extends keyof E>(event: K, listener: Listener<E[K]>): Disposable {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as unknown as (...args: never[]) => void);
    return { dispose: () => this.off(event, listener) };
  }

  off<K extends keyof E>(event: K, listener: Listener<E[K]>): void {
    this.listeners.get(event)?.delete(listener as unknown as (...args: never[]) => void);
  }

  listenerCount<K extends keyof E>(event: K): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  protected emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    // A copy: a listener may dispose itself (or another) while we iterate.
    for (const l of [...set]) {
      try {
        (l as unknown as Listener<E[K]>)(...args);
      } catch (err) {
        reportListenerError(String(event), err);
      }
    }
  }
}
