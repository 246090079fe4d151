"""The local stack's own knobs: ports, data directory, time scale. One place reads them.

Each port has one variable that changes it; errors about a port name that variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from devstack.template.reader import ROOT
from devstack.template.samconfig import parse_parameter_overrides

PORT_DEFAULTS = {
    "CORE_API_PORT": 8080,
    "AI_API_PORT": 8000,
    "DASHBOARD_PORT": 3000,
    "EXCHANGE_SIM_PORT": 9000,
    "MONGODB_PORT": 27017,
    "MOTO_PORT": 4566,
}
# Which HTTP API listens on which port variable; the WebSocket API shares the core port.
API_PORT_VARIABLES = {"CoreHttpApi": "CORE_API_PORT", "ServerlessHttpApi": "CORE_API_PORT", "AiHttpApi": "AI_API_PORT"}


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    try:
        value = float(raw) if raw not in (None, "") else default
    except ValueError:
        raise ValueError(f"{name}: expected a number, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name}: must be positive")
    return value


@dataclass(frozen=True)
class DevstackSettings:
    ports: dict[str, int] = field(default_factory=lambda: dict(PORT_DEFAULTS))
    template: Path = ROOT / "template.yaml"
    data_dir: Path = ROOT / ".data"
    time_scale: float = 1.0  # 60 makes a scheduled minute last one second
    ws_idle_seconds: float = 600.0  # API Gateway: 10 minutes idle
    ws_max_seconds: float = 7200.0  # API Gateway: 2 hours per connection
    ws_max_message_bytes: int = 128 * 1024  # API Gateway: 128 KB per message
    max_workers_per_function: int = 4  # concurrent "containers" per function
    reload: bool = True  # dev mode: changed code is picked up on the next request
    zygote: bool = True  # fork workers from a process that preloaded the shared modules
    mongodb_uri: str | None = None  # set: use it instead of starting SecantusDB
    aws_endpoint_url: str | None = None  # set: use it instead of starting moto
    region: str = "us-east-1"
    stack_name: str = "tradecore-local"
    # template parameters set for this run only, over samconfig.toml's ("Key=Value Key2=Value2")
    parameter_overrides: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DevstackSettings:
        """Read the variables; raise ValueError naming the variable that is wrong."""
        env = os.environ if env is None else env
        ports = {}
        for name, default in PORT_DEFAULTS.items():
            raw = env.get(name, "")
            if raw and not (raw.isdigit() and 0 <= int(raw) < 65536):
                raise ValueError(f"{name}: expected a port number, got {raw!r}")
            ports[name] = int(raw) if raw else default
        return cls(
            ports=ports,
            template=Path(env.get("DEVSTACK_TEMPLATE") or ROOT / "template.yaml"),
            data_dir=Path(env.get("DEVSTACK_DATA_DIR") or ROOT / ".data"),
            time_scale=_float(env, "DEVSTACK_TIME_SCALE", 1.0),
            ws_idle_seconds=_float(env, "DEVSTACK_WS_IDLE_SECONDS", 600.0),
            ws_max_seconds=_float(env, "DEVSTACK_WS_MAX_SECONDS", 7200.0),
            max_workers_per_function=int(_float(env, "DEVSTACK_MAX_WORKERS", 4)),
            reload=env.get("DEVSTACK_RELOAD", "true").lower() not in ("0", "false", "no"),
            zygote=env.get("DEVSTACK_ZYGOTE", "true").lower() not in ("0", "false", "no"),
            mongodb_uri=env.get("MONGODB_URI") or None,
            aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            parameter_overrides=parse_parameter_overrides(
                env.get("DEVSTACK_PARAMETER_OVERRIDES", ""), "DEVSTACK_PARAMETER_OVERRIDES"
            ),
        )

    def port_variable(self, api: str) -> str:
        """The variable naming the port of ``api`` (HTTP APIs other than core/AI: ``<API>_PORT``)."""
        if api in API_PORT_VARIABLES:
            return API_PORT_VARIABLES[api]
        return "".join(f"_{c}" if c.isupper() and i else c for i, c in enumerate(api)).upper() + "_PORT"

    def api_port(self, api: str) -> int:
        variable = self.port_variable(api)
        if variable not in self.ports:
            port = os.environ.get(variable, "")
            if not port.isdigit():
                raise ValueError(f"{variable}: set it to the local port of the HTTP API {api}")
            return int(port)
        return self.ports[variable]
