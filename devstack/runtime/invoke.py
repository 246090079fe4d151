"""``python -m devstack invoke <FunctionLogicalId> --event events/<file>.json``: ``sam local invoke``
without Docker. Runs the function's handler once in a worker with the environment the template
gives it (local resources as the running stack would have them) and prints the JSON result.
Exit code 1 (and the error JSON on stderr) when the function fails or times out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from devstack.local.resources import LocalResources
from devstack.local.secrets_file import load_or_create
from devstack.local.settings import DevstackSettings
from devstack.runtime.functions import FunctionRuntime
from devstack.template.stack import read_stack


def function_base_env(settings: DevstackSettings, app_secrets: dict[str, str]) -> dict[str, str]:
    """What every local function gets on top of the template: endpoints, fake AWS creds, secrets."""
    import os

    ports = settings.ports
    return {
        "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "devstack"),
        "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "devstack"),
        "AWS_ENDPOINT_URL": settings.aws_endpoint_url or f"http://127.0.0.1:{ports['MOTO_PORT']}",
        "MONGODB_URI": settings.mongodb_uri or f"mongodb://127.0.0.1:{ports['MONGODB_PORT']}",
        "BINANCE_SIMULATOR_URL": f"http://127.0.0.1:{ports['EXCHANGE_SIM_PORT']}",
        "POWERTOOLS_TRACE_DISABLED": "true",
        **{name: value for name, value in app_secrets.items() if value},
    }


async def invoke(settings: DevstackSettings, function: str, event: Any) -> tuple[bool, Any]:
    stack = read_stack(settings.template, settings.parameter_overrides)
    if function not in stack.functions:
        raise SystemExit(f"no function {function!r} in {settings.template}; have: {', '.join(sorted(stack.functions))}")
    resources = LocalResources(stack, settings)
    env = function_base_env(settings, load_or_create(settings.data_dir))

    def log(component: str, line: str) -> None:
        print(f"[{component}] {line}", file=sys.stderr)

    runtime = FunctionRuntime(stack, resources, env, log, max_workers=1)
    if not _listening(env["AWS_ENDPOINT_URL"]):
        # no local AWS running: the secrets come straight from the environment instead
        for pool in runtime.pools.values():
            pool.env.pop("APP_SECRETS_ARN", None)
    try:
        outcome = await runtime.invoke(function, event)
    finally:
        await runtime.close()
    if outcome.timed_out:
        return False, {"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out"}
    if outcome.error is not None:
        return False, {k: v for k, v in outcome.error.items() if k != "ok"}
    return True, outcome.result


def _listening(url: str) -> bool:
    import socket
    from urllib.parse import urlparse

    parsed = urlparse(url)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.3)
        return probe.connect_ex((parsed.hostname or "127.0.0.1", parsed.port or 80)) == 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack invoke", description=__doc__)
    parser.add_argument("function", help="the function's logical id in template.yaml")
    parser.add_argument("--event", "-e", type=Path, help="a JSON event file (default: {})")
    args = parser.parse_args(argv)
    event = json.loads(args.event.read_text()) if args.event else {}
    ok, result = asyncio.run(invoke(DevstackSettings.from_env(), args.function, event))
    print(json.dumps(result, indent=2), file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1
