"""``make bench``: run every ``bench/bench_*.py``, write ``bench/results.json``, print a table.

Each benchmark module exposes ``run() -> list[Result]``. ``python -m bench NAME ...`` runs only
the named modules (``cold_import``, ``gateway``, ...) and merges their figures into the file.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

import bench
from bench.result import Result, render_readme_table, render_table

RESULTS = Path(__file__).with_name("results.json")
README = Path(__file__).resolve().parent.parent / "README.md"
TABLE_START, TABLE_END = "<!-- bench-table -->", "<!-- /bench-table -->"
# handler modules live in functions/ (Lambda's CodeUri), as pytest's pythonpath has it
FUNCTIONS = str(Path(__file__).resolve().parent.parent / "functions")
if FUNCTIONS not in sys.path:
    sys.path.insert(0, FUNCTIONS)


def _modules(selected: list[str]) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    if selected:
        wanted = {f"bench_{name.removeprefix('bench_')}" for name in selected}
        unknown = wanted - set(names)
        if unknown:
            raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; have {', '.join(names)}")
        names = [name for name in names if name in wanted]
    return names


def _update_readme(rows: list[dict[str, object]]) -> None:
    """Keep the README's benchmark table equal to ``results.json``."""
    text = README.read_text()
    if TABLE_START in text and TABLE_END in text:
        head, rest = text.split(TABLE_START, 1)
        _, tail = rest.split(TABLE_END, 1)
        README.write_text(f"{head}{TABLE_START}\n{render_readme_table(rows)}\n{TABLE_END}{tail}")


def main(argv: list[str]) -> int:
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"results": []}
    results: dict[str, dict[str, object]] = {row["name"]: row for row in previous.get("results", [])}
    fresh: list[Result] = []
    for name in _modules(argv):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        module = importlib.import_module(f"bench.{name}")
        for result in module.run():
            fresh.append(result)
            results[result.name] = result.as_dict()
    RESULTS.write_text(
        json.dumps(
            {
                "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}",
                "results": sorted(results.values(), key=lambda row: str(row["name"])),
            },
            indent=2,
        )
        + "\n"
    )
    _update_readme([row for row in results.values() if row["name"] != "devstack_start_phases"])
    print(render_table(fresh))
    return 1 if any(result.passed is False for result in fresh) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
