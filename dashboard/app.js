// The dashboard: log in, watch service health, keep a live WebSocket (with backoff reconnects).
const config = window.TRADECORE_CONFIG;
const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "tradecore.token";
let socket = null;
let reconnects = 0;
let healthTimer = null;
let pingTimer = null;
const PING_MS = 5 * 60 * 1000; // API Gateway closes idle WebSockets after 10 minutes

async function api(path, { method = "GET", body, auth = true } = {}) {
  const headers = { "Content-Type": "application/json", "X-Request-ID": crypto.randomUUID() };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (auth && token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(config.apiUrl + path, { method, headers, body: body && JSON.stringify(body) });
  } catch (failure) {
    return { ok: false, status: 0, data: { error: { message: "Cannot reach the API", trace_id: headers["X-Request-ID"] } } };
  }
  const data = await response.json().catch(() => ({}));
  if (response.status === 401 && auth) signOut();
  return { ok: response.ok, status: response.status, data };
}

function errorText(result) {
  const error = result.data && result.data.error;
  return error ? `${error.message} (trace ${error.trace_id})` : `Request failed (${result.status})`;
}

async function login(register) {
  const form = new FormData($("login-form"));
  const credentials = { email: form.get("email"), password: form.get("password") };
  $("login-error").textContent = "";
  if (register) {
    const created = await api("/api/auth/register", { method: "POST", body: credentials, auth: false });
    if (!created.ok) { $("login-error").textContent = errorText(created); return; }
  }
  const result = await api("/api/auth/login", { method: "POST", body: credentials, auth: false });
  if (!result.ok) { $("login-error").textContent = errorText(result); return; }
  sessionStorage.setItem(TOKEN_KEY, result.data.access_token);
  await start();
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  if (socket) { socket.onclose = null; socket.close(); socket = null; }
  clearInterval(healthTimer);
  clearInterval(pingTimer);
  $("app-view").hidden = true;
  $("session").hidden = true;
  $("login-view").hidden = false;
}

async function logout() {
  await api("/api/auth/logout", { method: "POST" });
  signOut();
}

function badge(element, status) {
  element.textContent = status;
  element.className = `badge ${status}`;
}

async function refreshHealth() {
  const result = await api("/api/health", { auth: false });
  const report = result.data;
  if (!report.components) { badge($("overall"), "down"); return; }
  badge($("overall"), report.status);
  $("checked-at").textContent = new Date(report.checked_at).toLocaleTimeString();
  $("components").replaceChildren(...Object.entries(report.components).map(([name, part]) => {
    const item = document.createElement("li");
    const label = document.createElement("span");
    label.textContent = part.detail ? `${name}: ${part.detail}` : name;
    const state = document.createElement("span");
    badge(state, part.status);
    item.append(label, state);
    return item;
  }));
}

function showEvent(message) {
  const item = document.createElement("li");
  item.textContent = `${new Date().toLocaleTimeString()} ${message.type} ${JSON.stringify(message.data)}`;
  $("events").prepend(item);
  while ($("events").children.length > 50) $("events").lastChild.remove();
}

function connect() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return;
  badge($("ws-state"), "connecting");
  socket = new WebSocket(`${config.wsUrl}?token=${encodeURIComponent(token)}`);
  socket.onopen = () => {
    badge($("ws-state"), "open");
    socket.send(JSON.stringify({ action: "subscribe", channels: ["status", "signals", "prices:BTCUSDT"] }));
    socket.send(JSON.stringify({ action: "ping" }));
    clearInterval(pingTimer);
    pingTimer = setInterval(() => socket.send(JSON.stringify({ action: "ping" })), PING_MS);
  };
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    showEvent(message);
    if (message.type === "service_status") refreshHealth();
  };
  socket.onclose = () => {
    clearInterval(pingTimer);
    badge($("ws-state"), "closed");
    reconnects += 1;
    $("ws-reconnects").textContent = String(reconnects);
    const delay = Math.min(30000, 1000 * 2 ** Math.min(reconnects, 5));
    setTimeout(connect, delay);
  };
}

async function start() {
  const me = await api("/api/auth/me");
  if (!me.ok) { signOut(); return; }
  $("who").textContent = `${me.data.email} (${me.data.role})`;
  $("login-view").hidden = true;
  $("session").hidden = false;
  $("app-view").hidden = false;
  await refreshHealth();
  healthTimer = setInterval(refreshHealth, 15000);
  connect();
}

$("login-form").addEventListener("submit", (event) => { event.preventDefault(); login(false); });
$("register").addEventListener("click", () => login(true));
$("logout").addEventListener("click", logout);
if (sessionStorage.getItem(TOKEN_KEY)) start();
