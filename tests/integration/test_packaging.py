"""Every handler the template names imports where Lambda will run it (issue 2, item 11).

Lambda gives a function the runtime's standard library, the layer (``/opt/python``: the
``tradecore`` package plus ``layers/tradecore/requirements.txt``) and its ``CodeUri``
(``functions/``), nothing else. This builds that environment once with ``pip install --target``
into ``.data/layer-env/<hash of the requirements>/`` and imports each handler module in a fresh,
isolated interpreter (``-I -S``: no site-packages, no PYTHON* variables) with only those three
on ``sys.path``. A dependency used but not in the layer's requirements fails here, not in a deploy.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from devstack.template.reader import SamTemplate

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "layers" / "tradecore" / "requirements.txt"
LAYER_SOURCE = ROOT / "layers" / "tradecore"
FUNCTIONS_DIR = ROOT / "functions"
ENV_ROOT = ROOT / ".data" / "layer-env"
HANDLERS = sorted({function.handler for function in SamTemplate.load().functions().values()})
MODULES = sorted({handler.rpartition(".")[0] for handler in HANDLERS})

pytestmark = pytest.mark.timeout(900)  # the first run installs the layer's requirements

# Runs in the isolated interpreter: import one module, report which attributes are callable and
# whether anything was imported from outside the allowed paths.
_PROBE = """
import importlib, json, sys, traceback
allowed = json.loads(sys.argv[1])
sys.path[:0] = allowed
module_name, attributes = sys.argv[2], sys.argv[3:]
try:
    module = importlib.import_module(module_name)
except BaseException:
    print(json.dumps({"error": traceback.format_exc(limit=-3)}))
    raise SystemExit(0)
stdlib = [p for p in sys.path if p not in allowed]
outside = sorted(
    name for name, mod in list(sys.modules.items())
    if getattr(mod, "__file__", None) and not any(mod.__file__.startswith(p) for p in allowed + stdlib)
)
print(json.dumps({"callable": {a: callable(getattr(module, a, None)) for a in attributes}, "outside": outside}))
"""


def _layer_site_packages() -> Path:
    """The layer's requirements installed once per requirements file, interpreter and machine."""
    key = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:16]
    target = ENV_ROOT / f"{key}-py{sys.version_info.major}{sys.version_info.minor}-{platform.machine()}"
    if (target / ".complete").exists():
        return target
    ENV_ROOT.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="staging-", dir=ENV_ROOT))
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    command += ["--no-warn-script-location", "--target", str(staging), "-r", str(REQUIREMENTS)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=840)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        pytest.fail(f"pip could not install {REQUIREMENTS.relative_to(ROOT)}:\n{result.stderr[-3000:]}")
    (staging / ".complete").touch()
    try:
        staging.rename(target)
    except OSError:  # another run finished first: use its copy
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _lambda_like_env(home: Path) -> dict[str, str]:
    # What the Lambda runtime and the template's Globals set; nothing from this machine's shell.
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": "packaging-test",
        "ENVIRONMENT": "dev",
        "POWERTOOLS_SERVICE_NAME": "packaging",
        "POWERTOOLS_METRICS_NAMESPACE": "Tradecore",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }


@pytest.fixture(scope="module")
def imports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Module -> probe result, every module imported side by side in its own interpreter."""
    site = _layer_site_packages()
    allowed = json.dumps([str(site), str(LAYER_SOURCE), str(FUNCTIONS_DIR)])
    env = _lambda_like_env(tmp_path_factory.mktemp("home"))
    running = {}
    for module in MODULES:
        attributes = [h.rpartition(".")[2] for h in HANDLERS if h.rpartition(".")[0] == module]
        command = [sys.executable, "-I", "-S", "-c", _PROBE, allowed, module, *attributes]
        running[module] = subprocess.Popen(
            command,
            cwd=tmp_path_factory.mktemp("cwd"),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    results = {}
    for module, process in running.items():
        stdout, stderr = process.communicate(timeout=120)
        lines = stdout.strip().splitlines()
        try:
            results[module] = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            results[module] = {"error": f"exit {process.returncode}\n{stdout[-2000:]}\n{stderr[-2000:]}"}
    return results


def test_the_template_names_handlers_to_check() -> None:
    assert len(HANDLERS) >= 8
    assert "trade.app.handler" in HANDLERS


@pytest.mark.parametrize("handler", HANDLERS)
def test_handler_imports_with_only_the_layer_and_its_requirements(
    handler: str, imports: dict[str, dict[str, Any]]
) -> None:
    module, _, attribute = handler.rpartition(".")
    result = imports[module]
    assert "error" not in result, f"{module} does not import in the Lambda environment:\n{result.get('error')}"
    assert result["callable"][attribute], f"{module} has no callable {attribute}"
    assert result["outside"] == [], f"{module} imported modules from outside the layer: {result['outside']}"


def test_the_probe_cannot_see_development_packages(imports: dict[str, dict[str, Any]]) -> None:
    # Guards the guard: if the isolated interpreter could reach .venv, every check above is void.
    site = _layer_site_packages()
    allowed = json.dumps([str(site), str(LAYER_SOURCE), str(FUNCTIONS_DIR)])
    command = [sys.executable, "-I", "-S", "-c", _PROBE, allowed, "pytest"]
    result = subprocess.run(command, capture_output=True, text=True, check=False, env={"PATH": os.defpath})
    assert "ModuleNotFoundError" in json.loads(result.stdout.strip().splitlines()[-1])["error"]


def test_the_core_openapi_document_builds_where_lambda_runs_it(tmp_path: Path) -> None:
    # ApiOpenApiFunction (trade.app) imports the auth routers on its first request: they ship in
    # the same CodeUri (functions/) and, like the document builder, need nothing beyond the layer.
    allowed = json.dumps([str(_layer_site_packages()), str(LAYER_SOURCE), str(FUNCTIONS_DIR)])
    probe = (
        "import json, sys\n"
        "sys.path[:0] = json.loads(sys.argv[1])\n"
        "from trade.routes.openapi import core_document\n"
        "print(json.dumps(sorted(core_document()['paths'])))\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe, allowed],
        cwd=tmp_path,
        env=_lambda_like_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    paths = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"/api/auth/login", "/api/admin/users/{user_id}", "/api/health"} <= set(paths)
