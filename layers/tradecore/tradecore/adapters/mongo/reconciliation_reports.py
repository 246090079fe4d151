"""Reconciliation reports in MongoDB (collection ``reconciliation_reports``).

One document per run: ``_id`` is the report id (derived from the user and the run's start, so a
retried store keeps one), the user, ``created_at`` (the run's start), its end, counts per kind,
the repairs with what changed, the position gaps (Decimal128) and the failed lookups. A user's
newest reports are read through the ``user_id_created_at`` index (migration 7).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson.decimal128 import Decimal128
from pymongo import DESCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from tradecore.adapters.mongo.gateway import MongoGateway, translate_errors
from tradecore.domain.reconciliation import Change, DiscrepancyKind, PositionGap, ReconciliationReport, Repair

COLLECTION = "reconciliation_reports"
INDEX = [("user_id", 1), ("created_at", DESCENDING)]


def _document(report: ReconciliationReport) -> dict[str, Any]:
    return {
        "_id": report.id, "user_id": report.user_id, "created_at": report.started_at,
        "finished_at": report.finished_at, "checked": report.checked, "found": report.found,
        "repaired": report.repaired, "counts": report.counts,
        "repairs": [
            {"trade_id": r.trade_id, "client_order_id": r.client_order_id, "symbol": r.symbol,
             "kinds": [kind.value for kind in r.kinds], "applied": r.applied,
             "changes": [{"field": c.field, "before": c.before, "after": c.after} for c in r.changes]}
            for r in report.repairs
        ],
        "position_gaps": [
            {"symbol": g.symbol, "asset": g.asset, "recorded": Decimal128(g.recorded),
             "exchange": Decimal128(g.exchange)}
            for g in report.position_gaps
        ],
        "errors": list(report.errors),
    }  # fmt: skip


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _report(document: dict[str, Any]) -> ReconciliationReport:
    repairs = tuple(
        Repair(
            r["trade_id"],
            r["client_order_id"],
            r["symbol"],
            tuple(DiscrepancyKind(k) for k in r["kinds"]),
            tuple(Change(c["field"], c["before"], c["after"]) for c in r["changes"]),
            r["applied"],
        )
        for r in document.get("repairs", [])
    )
    gaps = tuple(
        PositionGap(g["symbol"], g["asset"], g["recorded"].to_decimal(), g["exchange"].to_decimal())
        for g in document.get("position_gaps", [])
    )
    return ReconciliationReport(
        str(document["_id"]), document["user_id"], _utc(document["created_at"]), _utc(document["finished_at"]),
        repairs, gaps, tuple(document.get("errors", [])), checked=int(document.get("checked", 0)),
    )  # fmt: skip


class MongoReconciliationReports:
    """The :class:`~tradecore.ports.jobs.ReconciliationReportStore` port over MongoDB."""

    def __init__(self, gateway: MongoGateway) -> None:
        self._gateway = gateway

    @property
    def _reports(self) -> Collection:
        return self._gateway.db[COLLECTION]

    def add(self, report: ReconciliationReport) -> None:
        with translate_errors("store reconciliation report"):
            try:
                self._reports.insert_one(_document(report))
            except DuplicateKeyError:
                return  # stored by an earlier attempt of this run

    def latest(self, user_id: str, limit: int = 10) -> list[ReconciliationReport]:
        with translate_errors("read reconciliation reports"):
            documents = list(self._reports.find({"user_id": user_id}, sort=INDEX, limit=limit))
        return [_report(document) for document in documents]
