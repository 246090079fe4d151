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
          {/* the × is drawn by CSS, so the region's text is the outcome alone */}
          <button type="button" class="dismiss" aria-label="Dismiss notification" onClick={() => toasts.dismiss(toast.id)} />
        </div>
      ))}
    </div>
  );
}
