"""``python -m devstack`` (``make dev``): the whole system on this machine, no Docker, no cloud.

Start-up runs everything that does not depend on something else at once: the zygote (which
preloads the functions' shared modules), SecantusDB (unless ``MONGODB_URI``), moto (unless
``AWS_ENDPOINT_URL``) and the exchange simulator start together; the template is read meanwhile.
When moto listens, the template's tables, queues and secret are created (concurrently); when
SecantusDB listens, migrations run and the demo user is seeded. The gateway, scheduler, SQS pollers
and hot reload (in this process) start once the AWS resources exist, warming the health functions'
workers; when the simulator is up too, the demo user's paper account is opened through the core
API; then the stream task (its task definition's environment names those resources) and the
dashboard on :3000. Each phase is logged at DEBUG with its time since start. Ctrl-C or SIGTERM
stops everything in reverse order; child process groups are terminated, nothing is left running.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from devstack.gateway.http import PortInUseError
from devstack.local.dashboard import dashboard_app
from devstack.local.dashboard_build import ensure_built
from devstack.local.processes import ChildProcess, ComponentLogHandler, port_is_free, wait_for_port_async
from devstack.local.secrets_file import load_or_create
from devstack.local.settings import DevstackSettings
from devstack.local.stack import LocalStack
from devstack.local.stream_task import StreamTask
from devstack.runtime.invoke import function_base_env
from devstack.runtime.zygote_client import Zygote
from devstack.template.reader import ROOT
from devstack.template.stack import Stack, read_stack

if TYPE_CHECKING:
    from tradecore.bootstrap import Container

log = logging.getLogger("devstack.runner")
DEMO_EMAIL = "demo@tradecore.local"
DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - the printed local demo account, never deployed
WARM_FUNCTIONS = ["HealthFunction", "AiHealthFunction", "WebSocketFunction"]
CHILD_START_TIMEOUT = 30.0
# The runner logs through tradecore too (migrations, demo user) under this service name. Not
# "devstack": Powertools drops from the root handlers every record whose logger name CONTAINS the
# service name (its duplicate guard), which silenced the local stack's own devstack.* lines.
RUNNER_SERVICE = "devstack-runner"
RUNNER_PRELOAD = ("boto3", "botocore.client", "tradecore.bootstrap", "tradecore.adapters.mongo.gateway", "argon2")


class Runner:
    def __init__(self, settings: DevstackSettings, logs: ComponentLogHandler) -> None:
        self.settings = settings
        self.logs = logs
        self.children: list[ChildProcess] = []
        self.stack: LocalStack | None = None
        self.zygote: Zygote | None = None
        self.dashboard: web.AppRunner | None = None
        self.stream_task: StreamTask | None = None
        self._started = time.perf_counter()

    def _phase(self, name: str) -> None:
        log.debug("phase %-22s +%.2f s", name, time.perf_counter() - self._started)

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

    def _launch(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        child = ChildProcess(name, argv, _child_env(), self.logs, cwd=ROOT)
        self.children.append(child)
        return child.start()

    async def _listening(self, name: str, process: subprocess.Popen[bytes] | None, port: int) -> None:
        if process is not None:
            await wait_for_port_async(port, CHILD_START_TIMEOUT, process, name)
            self._phase(f"{name} listening")

    def _launch_children(self) -> dict[str, subprocess.Popen[bytes] | None]:
        """Start every child process at once; their ports are awaited by whoever needs them."""
        settings, ports, data = self.settings, self.settings.ports, self.settings.data_dir
        launched: dict[str, subprocess.Popen[bytes] | None] = {"mongodb": None, "moto": None, "exchange": None}
        if not settings.mongodb_uri:
            (data / "mongo").mkdir(parents=True, exist_ok=True)
            secantusd = str(Path(sys.executable).with_name("secantusd-py"))
            argv = [secantusd, "--host", "127.0.0.1", "--port", str(ports["MONGODB_PORT"])]
            launched["mongodb"] = self._launch("mongodb", [*argv, "--storage-path", str(data / "mongo")])
        if not settings.aws_endpoint_url:
            argv = [sys.executable, "-m", "devstack.local.moto_server", "-H", "127.0.0.1"]
            argv += ["-p", str(ports["MOTO_PORT"])]
            launched["moto"] = self._launch("moto", argv)
        if (ROOT / "devstack" / "exchange_sim" / "__main__.py").exists():
            argv = [sys.executable, "-m", "devstack.exchange_sim", "--host", "127.0.0.1"]
            argv += ["--port", str(ports["EXCHANGE_SIM_PORT"]), "--data-dir", str(data / "exchange")]
            launched["exchange"] = self._launch("exchange", argv)
        return launched

    async def start(self) -> None:
        settings, ports = self.settings, self.settings.ports
        self.check_ports()
        app_secrets = load_or_create(settings.data_dir)
        self.zygote = Zygote(self.logs.write)
        self.zygote.start()  # preloads FastAPI, pydantic, boto3, ... while everything else starts
        launched = self._launch_children()
        self._phase("children launched")
        # what provisioning and migrations import, loaded while the children start
        preloaded = asyncio.create_task(asyncio.to_thread(self._preload))
        env = function_base_env(settings, app_secrets)
        secret_values = {"MONGODB_URI": env["MONGODB_URI"], **app_secrets}
        stack: Stack = await asyncio.to_thread(read_stack, settings.template, settings.parameter_overrides)
        self._phase("template read")

        async def aws_resources() -> dict[str, dict[str, object]]:
            from devstack.local.provisioning import provision
            from devstack.local.resources import LocalResources

            await self._listening("moto", launched["moto"], ports["MOTO_PORT"])
            await preloaded
            names = LocalResources(stack, settings)  # resolves physical names for provisioning
            overrides = await asyncio.to_thread(provision, names, env, secret_values)
            self._phase("aws resources ready")
            return overrides

        async def database() -> None:
            await self._listening("mongodb", launched["mongodb"], ports["MONGODB_PORT"])
            await preloaded
            await asyncio.to_thread(prepare_database, env)
            self._phase("database migrated")

        database_ready = asyncio.create_task(database())
        exchange_ready = asyncio.create_task(
            self._listening("exchange", launched["exchange"], ports["EXCHANGE_SIM_PORT"])
        )
        try:
            overrides = await aws_resources()
            self.stack = LocalStack(settings, env, overrides, self.logs.write, stack=stack, zygote=self.zygote)
            await self.stack.start(warm=WARM_FUNCTIONS)
            self._phase("gateway up, warmed")
            await database_ready
            await exchange_ready
        finally:
            for task in (database_ready, exchange_ready):
                task.cancel()
        await self._open_demo_paper_account()
        self._phase("demo paper account ready")
        if (ROOT / "stream" / "__main__.py").exists():
            self.stream_task = StreamTask.for_stack(self.stack.resources, env, self.logs, reload=settings.reload)
            self.stream_task.start()
        await self._serve_dashboard()
        self._phase("dashboard up")

    async def _open_demo_paper_account(self) -> None:
        """Open the demo user's paper account as any user's is opened: through the core API (log in,
        ``GET /api/exchange/connection``), so the real functions do it with their own environment
        (KMS key, simulator). A failure is logged, not fatal: the account then opens on first use."""
        import aiohttp

        base = f"http://127.0.0.1:{self.settings.ports['CORE_API_PORT']}"
        credentials = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
                async with http.post(f"{base}/api/auth/login", json=credentials) as login:
                    token = (await login.json())["access_token"]
                headers = {"Authorization": f"Bearer {token}"}
                async with http.get(f"{base}/api/exchange/connection", headers=headers) as answer:
                    body = await answer.json()
            if answer.status != 200:
                raise RuntimeError(f"{answer.status} {body.get('error', {}).get('code')}")
            log.info("demo exchange account: %s (%s, key %s)", body["mode"], body["network"], body["key_hint"])
        except (aiohttp.ClientError, TimeoutError, KeyError, RuntimeError) as exc:
            log.warning("demo paper account not opened (it opens on first use): %s", exc)

    def _preload(self) -> None:
        _preload(RUNNER_PRELOAD)
        route_powertools_logs(self.logs, "runner")

    async def _serve_dashboard(self) -> None:
        served = await asyncio.to_thread(ensure_built, ROOT / "dashboard")  # npm ci / build when needed
        app = dashboard_app(served, self.settings.ports["CORE_API_PORT"])
        self.dashboard = web.AppRunner(app, access_log=None, handle_signals=False)
        await self.dashboard.setup()
        try:
            await web.TCPSite(self.dashboard, "127.0.0.1", self.settings.ports["DASHBOARD_PORT"]).start()
        except OSError as exc:
            raise PortInUseError(self.settings.ports["DASHBOARD_PORT"], "DASHBOARD_PORT") from exc

    async def stop(self) -> None:
        if self.dashboard is not None:
            await self.dashboard.cleanup()
        if self.stream_task is not None:
            await self.stream_task.stop()
        if self.stack is not None:
            await self.stack.stop()  # stops the zygote too
        elif self.zygote is not None:
            await self.zygote.close()
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
            f"  demo login     {DEMO_EMAIL} / {DEMO_PASSWORD}",
            f"  data and logs  {self.settings.data_dir}",
            "Ctrl-C stops everything.",
        ]
        return "\n".join(lines)


def _preload(modules: tuple[str, ...]) -> None:
    import importlib

    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:  # imported again where needed, failing there with context
            log.debug("preload of %s failed: %s", module, exc)


def route_powertools_logs(logs: ComponentLogHandler, component: str) -> None:
    """Send the JSON lines of tradecore's logger in this process (Powertools: a stream handler on
    stdout, named after ``POWERTOOLS_SERVICE_NAME``) through ``logs`` as ``component``, so they
    are rendered on the console like every other line and kept whole in the component's file."""
    service = os.environ.get("POWERTOOLS_SERVICE_NAME", "")
    for handler in logging.getLogger(service).handlers if service else []:
        if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stdout, sys.stderr):
            handler.setStream(logs.stream_of(component))


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def prepare_database(env: dict[str, str]) -> None:
    """Migrate the database ``env`` names and seed the demo user (see :func:`seed_database`)."""
    from tradecore.bootstrap import bootstrap
    from tradecore.config import load_settings

    settings = load_settings(
        mongodb_uri=env["MONGODB_URI"],
        jwt_secret=env["JWT_SECRET"],
        inter_service_token=env["INTER_SERVICE_TOKEN"],
        mongodb_server_selection_timeout_ms=10000,
    )
    seed_database(bootstrap(settings))


def seed_database(container: Container) -> None:
    """Apply pending schema migrations, then create or repair the demo admin the banner prints.

    Errors propagate: a stack whose printed login would not work does not report itself as up.
    """
    from tradecore.domain.users import Role

    applied = container.migrate()
    log.info("schema migrations applied: %s", applied)
    container.auth_service.ensure_demo_user(DEMO_EMAIL, DEMO_PASSWORD, Role.ADMIN)


async def run(settings: DevstackSettings) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "logs").mkdir(exist_ok=True)
    logs = ComponentLogHandler(settings.data_dir / "logs")
    logs.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))  # the file's lines
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
