"""The import contracts of `make lint` hold for the code, and do fail a forbidden import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TREES = ("layers/tradecore/tradecore", "functions", "devstack", "stream")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(root / p) for p in ("functions", "layers/tradecore", "."))}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def copy_of_the_code(tmp_path: Path) -> Path:
    for tree in TREES:
        shutil.copytree(ROOT / tree, tmp_path / tree, ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_import_contracts_hold_for_the_code(copy_of_the_code: Path) -> None:
    result = _lint_imports(copy_of_the_code)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("layers/tradecore/tradecore/domain/leak.py", "import pymongo", "domain is pure"),
        ("layers/tradecore/tradecore/services/leak.py", "import boto3", "services see ports and domain only"),
        ("layers/tradecore/tradecore/services/leak.py", "from tradecore.adapters import mongo", "services see ports"),
        # PyJWT too: it is behind the auth adapter boundary (TokenCodec), with no exception for tokens.py
        ("layers/tradecore/tradecore/services/auth/tokens.py", "import jwt", "services see ports and domain only"),
        ("functions/auth/leak.py", "from tradecore.adapters import user_store", "functions, stream, devstack"),
        (
            "devstack/exchange_sim/leak.py",
            "import tradecore.domain.orders",
            "the exchange simulator is an independent oracle",
        ),
    ],
)
def test_import_contracts_fail_a_forbidden_import(
    copy_of_the_code: Path, module: str, line: str, contract: str
) -> None:
    (copy_of_the_code / module).write_text(f"{line}\n")

    result = _lint_imports(copy_of_the_code)

    broken = [line for line in result.stdout.splitlines() if " BROKEN" in line]
    assert result.returncode != 0
    assert len(broken) == 1, result.stdout  # that contract alone
    assert broken[0].startswith(contract)
