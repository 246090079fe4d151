"""A user's bot settings: read them (the platform's defaults until they save any) and change them.

A change names only the fields it changes; the others keep their current values, so pausing is
``{"paused": true}`` and resuming ``{"paused": false}``. The result is validated as a whole
(ranges, the amount under the per-trade cap, symbols the platform trades, at least one symbol
while automated trading is on) before it is stored; a refusal stores nothing. Who may change
settings is the route's permission (viewers read only).

The pause stops the AutoTrader only: it records the trades it would have made as skipped
("paused"); manual trades ignore it. The risk limits saved here bind every trade, manual or
automated, from the next one on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from datetime import UTC, datetime
from typing import Any

from tradecore.domain.bot_settings import BotSettings, check_symbols
from tradecore.domain.users import Principal
from tradecore.errors import InvalidInputError
from tradecore.ports import BotSettingsStore

CHANGEABLE = frozenset(f.name for f in fields(BotSettings)) - {"updated_at"}


class BotSettingsService:
    def __init__(
        self,
        store: BotSettingsStore,
        defaults: BotSettings,
        *,
        symbols: tuple[str, ...],
        clock: Callable[[], float],
    ) -> None:
        self._store = store
        self._defaults = defaults
        self._symbols = symbols
        self._clock = clock

    @property
    def defaults(self) -> BotSettings:
        return self._defaults

    def get(self, principal: Principal) -> BotSettings:
        """The caller's settings; the defaults (``updated_at`` None) while they never saved any.
        ``DependencyUnavailableError`` when the store cannot be reached."""
        return self._store.get(principal.user_id) or self._defaults

    def put(self, principal: Principal, changes: Mapping[str, Any]) -> BotSettings:
        """Apply ``changes`` to the caller's settings and store the result; ``InvalidInputError``
        naming the field when the result is not valid (nothing stored)."""
        unknown = sorted(set(changes) - CHANGEABLE)
        if unknown:
            raise InvalidInputError(f"{unknown[0]}: not a bot setting", details={"field": unknown[0]})
        current = self.get(principal)
        values = dict(changes)
        if "symbols" in values:
            values["symbols"] = tuple(values["symbols"])
            check_symbols(values["symbols"], self._symbols)
        updated = replace(current, **values, updated_at=self._now())
        self._store.put(principal.user_id, updated)
        return updated

    def _now(self) -> datetime:
        # to the millisecond: what MongoDB keeps, so the answer equals what a later read returns
        now = datetime.fromtimestamp(self._clock(), UTC)
        return now.replace(microsecond=now.microsecond // 1000 * 1000)
