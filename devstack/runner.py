"""``python -m devstack`` (``make dev``): the whole system on this machine, no Docker, no cloud.

Order: check ports → app secrets (.data/secrets.json) → SecantusDB (unless ``MONGODB_URI``) →
moto with the template's tables, queues and secret (unless ``AWS_ENDPOINT_URL``) → migrations and
the demo user → exchange simulator and stream task (child processes, when present) → gateway,
scheduler and hot reload (in this process) → dashboard on :3000. Ctrl-C or SIGTERM stops
everything in reverse order; child process groups are terminated, nothing is left running.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

from aiohttp import web

from devstack.gateway import PortInUseError
from devstack.invoke import function_base_env
from devstack.local_stack import LocalStack
from devstack.processes import ChildProcess, ComponentLogHandler, port_is_free, wait_for_port
from devstack.secrets_file import load_or_create
from devstack.settings import DevstackSettings
from devstack.stack import ROOT

log = logging.getLogger("devstack.runner")
DEMO_EMAIL = "demo@tradecore.local"
DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - the printed local demo account, never deployed
WARM_FUNCTIONS = ["HealthFunction", "AiHealthFunction", "WebSocketFunction"]


class Runner:
    def __init__(self, settings: DevstackSettings, logs: ComponentLogHandler) -> None:
        self.settings = settings
        self.logs = logs
        self.children: list[ChildProcess] = []
        self.stack: LocalStack | None = None
        self.dashboard: web.AppRunner | None = None

    def _needed_ports(self) -> list[str]:
        names = ["CORE_API_PORT", "AI_API_PORT", "DASHBOARD_PORT"]
        if not self.settings.mongodb_uri:
            names.append("MONGODB_PORT")
        if not self.settings.aws_endpoint_url:
            names.append("MOTO_PORT")
        if (ROOT / "devstack" / "exchange_sim" / "__main__.py").exists():
            names.append("EXCHANGE_SIM_PORT")
        return names

    def check_ports(self) -> None:
        for name in self._needed_ports():
            if not port_is_free(self.settings.ports[name]):
                raise PortInUseError(self.settings.ports[name], name)

    def _child(self, name: str, argv: list[str], port: int | None, timeout: float = 30) -> None:
        child = ChildProcess(name, argv, _child_env(), self.logs, cwd=ROOT)
        self.children.append(child)
        process = child.start()
        if port is not None:
            wait_for_port(port, timeout, process, name)

    async def start(self) -> None:
        settings, ports, data = self.settings, self.settings.ports, self.settings.data_dir
        self.check_ports()
        app_secrets = load_or_create(data)
        if not settings.mongodb_uri:
            (data / "mongo").mkdir(parents=True, exist_ok=True)
            argv = [
                str(Path(sys.executable).with_name("secantusd-py")),
                "--host",
                "127.0.0.1",
                "--port",
                str(ports["MONGODB_PORT"]),
                "--storage-path",
                str(data / "mongo"),
            ]
            await asyncio.to_thread(self._child, "mongodb", argv, ports["MONGODB_PORT"])
        if not settings.aws_endpoint_url:
            argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(ports["MOTO_PORT"])]
            await asyncio.to_thread(self._child, "moto", argv, ports["MOTO_PORT"])
        env = function_base_env(settings, app_secrets)
        secret_values = {"MONGODB_URI": env["MONGODB_URI"], **app_secrets}
        from devstack.local_stack import LocalStack as _Stack
        from devstack.provision import provision

        probe = _Stack(settings, env)  # resolves names for provisioning
        overrides = await asyncio.to_thread(provision, probe.resources, env, secret_values)
        self.demo_seeded = await asyncio.to_thread(prepare_database, env)
        if (ROOT / "devstack" / "exchange_sim" / "__main__.py").exists():
            argv = [
                sys.executable,
                "-m",
                "devstack.exchange_sim",
                "--host",
                "127.0.0.1",
                "--port",
                str(ports["EXCHANGE_SIM_PORT"]),
                "--data-dir",
                str(data / "exchange"),
            ]
            await asyncio.to_thread(self._child, "exchange", argv, ports["EXCHANGE_SIM_PORT"])
        if (ROOT / "stream" / "__main__.py").exists():
            self._child("stream", [sys.executable, "-m", "stream"], None)
        self.stack = LocalStack(settings, env, overrides, log_sink=self.logs.write)
        await self.stack.start(warm=WARM_FUNCTIONS)
        await self._serve_dashboard()

    async def _serve_dashboard(self) -> None:
        root = ROOT / "dashboard"
        app = web.Application()
        if (root / "index.html").exists():
            async def index(_: web.Request) -> web.StreamResponse:
                return web.FileResponse(root / "index.html")

            app.router.add_get("/", index)
        app.router.add_static("/", root, show_index=False)
        self.dashboard = web.AppRunner(app, access_log=None, handle_signals=False)
        await self.dashboard.setup()
        try:
            await web.TCPSite(self.dashboard, "127.0.0.1", self.settings.ports["DASHBOARD_PORT"]).start()
        except OSError as exc:
            raise PortInUseError(self.settings.ports["DASHBOARD_PORT"], "DASHBOARD_PORT") from exc

    async def stop(self) -> None:
        if self.dashboard is not None:
            await self.dashboard.cleanup()
        if self.stack is not None:
            await self.stack.stop()
        for child in reversed(self.children):
            await asyncio.to_thread(child.stop)

    def banner(self) -> str:
        ports = self.settings.ports
        lines = [
            "",
            "tradecore local stack is up:",
            f"  dashboard      http://localhost:{ports['DASHBOARD_PORT']}",
            f"  core API       http://127.0.0.1:{ports['CORE_API_PORT']}/api/health",
            f"  AI API         http://127.0.0.1:{ports['AI_API_PORT']}/ai/health",
            f"  WebSocket      ws://127.0.0.1:{ports['CORE_API_PORT']}/ws?token=<JWT>",
            f"  @connections   http://127.0.0.1:{ports['CORE_API_PORT']}/@connections/<id>",
            f"  demo login     {DEMO_EMAIL} / {DEMO_PASSWORD}" if self.demo_seeded else "  demo login     (not seeded)",
            f"  data and logs  {self.settings.data_dir}",
            "Ctrl-C stops everything.",
        ]
        return "\n".join(lines)

    demo_seeded = False


def _child_env() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def prepare_database(env: dict[str, str]) -> bool:
    """Run schema migrations and create the demo user; False when seeding is not possible."""
    from tradecore.bootstrap import bootstrap
    from tradecore.config import load_settings

    settings = load_settings(
        mongodb_uri=env["MONGODB_URI"],
        jwt_secret=env["JWT_SECRET"],
        inter_service_token=env["INTER_SERVICE_TOKEN"],
        mongodb_server_selection_timeout_ms=10000,
    )
    container = bootstrap(settings)
    applied = container.migrate()
    log.info("schema migrations applied: %s", applied)
    auth = getattr(container, "auth_service", None)
    if auth is None or not hasattr(auth, "ensure_demo_user"):
        log.warning("no auth service with ensure_demo_user: demo user not seeded")
        return False
    from tradecore.domain.users import Role

    auth.ensure_demo_user(DEMO_EMAIL, DEMO_PASSWORD, Role.ADMIN)
    return True


async def run(settings: DevstackSettings) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "logs").mkdir(exist_ok=True)
    logs = ComponentLogHandler(settings.data_dir / "logs")
    logs.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logging.basicConfig(level=logging.DEBUG, handlers=[logs], force=True)
    for noisy in ("botocore", "boto3", "urllib3", "pymongo", "asyncio", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    runner = Runner(settings, logs)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await runner.start()
        print(runner.banner(), flush=True)
        await stop.wait()
        return 0
    except (PortInUseError, RuntimeError, ValueError) as exc:
        print(f"devstack: {exc}", file=sys.stderr, flush=True)
        return 2
    finally:
        print("devstack: stopping ...", flush=True)
        await runner.stop()
        logs.close()
