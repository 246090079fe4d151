// Log in or create an account (the token then lives in this tab's sessionStorage).
import { useState } from "preact/hooks";
import { useServices } from "../context";
import { useStore } from "../stores/store";

export function Login() {
  const { session } = useServices();
  const state = useStore(session);
  const [registering, setRegistering] = useState(false);

  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    void session.login(String(form.get("email")), String(form.get("password")), registering);
  };

  return (
    <section id="login-view" class="card login" aria-labelledby="login-title">
      <h2 id="login-title">{registering ? "Create account" : "Log in"}</h2>
      <form id="login-form" onSubmit={submit}>
        <label>
          Email <input name="email" type="email" autocomplete="username" required />
        </label>
        <label>
          Password{" "}
          <input
            name="password"
            type="password"
            autocomplete={registering ? "new-password" : "current-password"}
            minLength={registering ? 10 : undefined}
            required
          />
        </label>
        <div class="actions">
          {registering ? (
            <>
              <button type="submit" class="primary" disabled={state.busy}>
                Register
              </button>
              <button type="button" onClick={() => setRegistering(false)}>
                Back to log in
              </button>
            </>
          ) : (
            <>
              <button type="submit" class="primary" disabled={state.busy}>
                Log in
              </button>
              <button type="button" onClick={() => setRegistering(true)}>
                Create account
              </button>
            </>
          )}
        </div>
        {state.error && (
          <p id="login-error" class="error" role="alert">
            {state.error}
          </p>
        )}
      </form>
    </section>
  );
}
