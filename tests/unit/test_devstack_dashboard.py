"""The dashboard's ``/config.js``: the real core API port, in the shape dashboard/app.js reads."""

from __future__ import annotations

import json
import re

from devstack.local.dashboard import config_script


def _config(script: str) -> dict[str, str]:
    match = re.fullmatch(r"window\.TRADECORE_CONFIG = (\{.*\});\n", script)
    assert match, script
    config: dict[str, str] = json.loads(match.group(1))
    return config


def test_config_script_points_at_the_core_port_it_is_given() -> None:
    assert _config(config_script(18080)) == {"apiUrl": "http://localhost:18080", "wsUrl": "ws://localhost:18080/ws"}


def test_config_script_follows_a_changed_port() -> None:
    assert _config(config_script(8080))["apiUrl"] != _config(config_script(9191))["apiUrl"]
    assert _config(config_script(9191))["wsUrl"] == "ws://localhost:9191/ws"
