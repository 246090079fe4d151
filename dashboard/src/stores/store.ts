// The one store primitive: a value, its listeners, and a Preact hook. Each concern has its own store
// (session, market, account, ...); components read them and call their actions, never fetch.
import { useEffect, useState } from "preact/hooks";

export type Listener<T> = (value: T) => void;

export class Store<T> {
  private listeners = new Set<Listener<T>>();

  constructor(private value: T) {}

  get(): T {
    return this.value;
  }

  set(next: T): void {
    if (Object.is(next, this.value)) return;
    this.value = next;
    for (const listener of [...this.listeners]) listener(next);
  }

  update(change: Partial<T>): void {
    this.set({ ...this.value, ...change });
  }

  subscribe(listener: Listener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The store's current value; the component re-renders when it changes. */
export function useStore<T>(store: Store<T>): T {
  const [value, setValue] = useState(store.get());
  useEffect(() => {
    setValue(store.get());
    return store.subscribe(setValue);
  }, [store]);
  return value;
}
