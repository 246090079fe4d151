"""Small modules: a file that needs a table of contents is two files (STYLE.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 300
TREES = ("layers/tradecore/tradecore", "functions")


def _modules() -> list[Path]:
    return sorted(path for tree in TREES for path in (ROOT / tree).rglob("*.py"))


@pytest.mark.parametrize("module", _modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_module_stays_within_the_line_limit(module: Path) -> None:
    lines = len(module.read_text().splitlines())

    assert lines <= LIMIT, f"{module.relative_to(ROOT)} has {lines} lines (limit {LIMIT}): split it by concern"
