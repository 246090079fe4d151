"""Exchange wiring: Binance (mainnet, testnet or the local simulator) and its health probe."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tradecore.bootstrap.core import CoreWiring

if TYPE_CHECKING:
    from tradecore.ports import Exchange, HealthProbe


class ExchangeWiring(CoreWiring):
    @cached_property
    def exchange(self) -> Exchange:
        """Binance mainnet, testnet or the local simulator, chosen by Settings.exchange_mode."""
        from tradecore.adapters.binance.exchange import BinanceExchange

        return BinanceExchange(self.settings)

    @cached_property
    def exchange_probe(self) -> HealthProbe:
        from tradecore.services.health.service import ExchangeProbe

        return ExchangeProbe(self.exchange, self.settings.exchange_mode.value)
