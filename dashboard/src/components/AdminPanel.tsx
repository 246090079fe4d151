// Administration: every user with a role select, and the platform's kill switch.
import { useEffect } from "preact/hooks";
import type { Role } from "../api/types";
import { useServices } from "../context";
import { useStore } from "../stores/store";

const ROLES: Role[] = ["admin", "trader", "viewer"];

export function AdminPanel() {
  const { admin, session } = useServices();
  const { users, trading, error } = useStore(admin);
  const me = useStore(session).user;
  useEffect(() => void admin.load(), [admin]);

  return (
    <>
      <section class="card wide" aria-label="Users">
        <h2>Users</h2>
        {error && <p class="error">{error}</p>}
        <table>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Active</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id}>
                <th scope="row">{user.email}</th>
                <td>
                  <select
                    aria-label={`Role for ${user.email}`}
                    value={user.role}
                    disabled={user.id === me?.id}
                    onChange={(e) => void admin.setRole(user, e.currentTarget.value as Role)}
                  >
                    {ROLES.map((role) => (
                      <option key={role} value={role}>
                        {role}
                      </option>
                    ))}
                  </select>
                </td>
                <td>{user.active ? "yes" : "no"}</td>
                <td>{new Date(user.created_at).toLocaleDateString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="card" aria-label="Kill switch">
        <h2>Kill switch</h2>
        <p>
          {trading?.halted ? "Trading is halted for every user" : "Trading is allowed"}
          {trading?.reason ? ` (${trading.reason})` : ""}
        </p>
        <button
          type="button"
          class={trading?.halted ? "primary" : "danger"}
          onClick={() => void admin.setHalted(!trading?.halted)}
        >
          {trading?.halted ? "Resume trading" : "Halt trading"}
        </button>
      </section>
    </>
  );
}
