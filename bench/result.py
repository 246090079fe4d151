"""One benchmark figure, and the table ``make bench`` prints (also pasted into the README)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Result:
    """``value`` in ``unit``; ``target`` with ``better`` ("lower" or "higher") decides ``passed``."""

    name: str
    value: float
    unit: str
    target: float | None = None
    better: str = "lower"
    note: str = ""

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        return self.value <= self.target if self.better == "lower" else self.value >= self.target

    def as_dict(self) -> dict[str, object]:
        row = asdict(self)
        row["passed"] = self.passed
        return row


def percentile(samples: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile (0-100) of ``samples`` by nearest rank."""
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("no samples")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def render_table(results: Sequence[Result]) -> str:
    lines = ["| benchmark | value | target | ok | note |", "|---|---|---|---|---|"]
    for r in results:
        sign = "≤" if r.better == "lower" else "≥"
        target = f"{sign} {r.target:g} {r.unit}" if r.target is not None else "-"
        ok = {True: "yes", False: "NO", None: "-"}[r.passed]
        lines.append(f"| {r.name} | {r.value:.3g} {r.unit} | {target} | {ok} | {r.note} |")
    return "\n".join(lines)


_README_ORDER = ("cold_import", "health", "gateway", "devstack", "exchange", "ai.", "auth")


def render_readme_table(rows: Sequence[dict[str, object]]) -> str:
    """The README's table of every recorded figure (``bench/results.json`` rows), grouped by area."""

    def order(row: dict[str, object]) -> tuple[int, str]:
        name = str(row["name"])
        group = next((i for i, prefix in enumerate(_README_ORDER) if name.startswith(prefix)), len(_README_ORDER))
        return group, name

    lines = ["| benchmark | value | target | met |", "|---|---|---|---|"]
    for row in sorted(rows, key=order):
        value, unit, target = float(row["value"]), row["unit"], row.get("target")  # type: ignore[arg-type]
        shown = f"{value:,.0f} {unit}" if value >= 1000 else f"{value:.3g} {unit}"
        sign = "≤" if row.get("better", "lower") == "lower" else "≥"
        goal = f"{sign} {float(target):g} {unit}" if target is not None else "-"  # type: ignore[arg-type]
        met = {True: "yes", False: "**no**"}.get(row.get("passed"), "")  # type: ignore[call-overload]
        lines.append(f"| {row['name']} | {shown} | {goal} | {met} |")
    return "\n".join(lines)
