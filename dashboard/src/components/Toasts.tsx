// Outcome notices, read by screen readers as they arrive (role="status").
import { useServices } from "../context";
import { useStore } from "../stores/store";

export function Toasts() {
  const { toasts } = useServices();
  const list = useStore(toasts);
  return (
    <div role="status" aria-label="Notifications" aria-live="polite" class="toasts">
      {list.map((toast) => (
        <div key={toast.id} class={`toast toast-${toast.kind}`}>
          <span>{toast.text}</span>
          <button type="button" aria-label="Dismiss notification" onClick={() => toasts.dismiss(toast.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
