// Outcome notices (role="status"): each says what happened; they leave after a while.
import { Store } from "./store";

export interface Toast {
  id: number;
  text: string;
  kind: "ok" | "error";
}

export class ToastStore extends Store<Toast[]> {
  private next = 1;

  constructor(private readonly ttlMs = 8000) {
    super([]);
  }

  push(text: string, kind: Toast["kind"] = "ok"): void {
    const toast = { id: this.next++, text, kind };
    this.set([...this.get(), toast].slice(-5));
    setTimeout(() => this.dismiss(toast.id), this.ttlMs);
  }

  dismiss(id: number): void {
    this.set(this.get().filter((toast) => toast.id !== id));
  }
}
