/**
 * A tiny typed event emitter. A listener that throws, or returns a promise that rejects, never
 * breaks the emitter or the other listeners: the error goes to `onListenerError`.
 *
 * @module
 */

/** Removes the listener it was returned for. */
export type Unsubscribe = () => void;

/** Emits events whose names and payloads are the keys and values of `E`. */
export class Emitter<E extends object> {
  #listeners = new Map<keyof E, Array<(event: never) => void>>();
  #onListenerError: (error: unknown) => void;

  /** @param onListenerError receives whatever a listener throws or its returned promise rejects with */
  constructor(onListenerError: (error: unknown) => void = () => {}) {
    this.#onListenerError = onListenerError;
  }

  /** Calls `listener` for every `name` event until unsubscribed. */
  on<K extends keyof E>(name: K, listener: (event: E[K]) => unknown): Unsubscribe {
    // Lists are replaced, never mutated, so `emit()` can walk one without copying it first.
    const added = listener as (event: never) => void;
    this.#listeners.set(name, [...(this.#listeners.get(name) ?? []), added]);
    return () => {
      const current = this.#listeners.get(name);
      const at = current ? current.indexOf(added) : -1;
      if (at >= 0) this.#listeners.set(name, current!.filter((_, i) => i !== at));
    };
  }

  /** Whether anyone listens to `name` (lets hot paths skip building an event). */
  has(name: keyof E): boolean {
    return (this.#listeners.get(name)?.length ?? 0) > 0;
  }

  /** Calls every listener of `name` with `event`, in subscription order. */
  emit<K extends keyof E>(name: K, event: E[K]): void {
    const list = this.#listeners.get(name);
    if (!list || list.length === 0) return;
    for (const listener of list) {
      try {
        const result = (listener as (event: E[K]) => unknown)(event);
        // An async listener (or one returning a send's promise) fails later: report it then.
        if (result instanceof Promise) result.then(undefined, this.#onListenerError);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
  }
}
