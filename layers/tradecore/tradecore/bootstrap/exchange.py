"""Exchange wiring: Binance (mainnet, testnet or the local simulator), its health probe, the clients
of users' own accounts, and paper accounts on the simulator."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tradecore.bootstrap.core import CoreWiring

if TYPE_CHECKING:
    from tradecore.ports import Exchange, ExchangeDirectory, HealthProbe, PaperAccounts


class ExchangeWiring(CoreWiring):
    @cached_property
    def exchange(self) -> Exchange:
        """Binance mainnet, testnet or the local simulator, chosen by Settings.exchange_mode, signed
        with the operator's keys where set: the shared market-data client (and the health probe's)."""
        from tradecore.adapters.binance.exchange import BinanceExchange

        return BinanceExchange(self.settings)

    @cached_property
    def exchange_probe(self) -> HealthProbe:
        from tradecore.services.health.service import ExchangeProbe

        return ExchangeProbe(self.exchange, self.settings.exchange_mode.value)

    @cached_property
    def exchange_directory(self) -> ExchangeDirectory:
        """A client per user account (bounded cache per container); market data is :attr:`exchange`."""
        from tradecore.adapters.binance.directory import BinanceExchangeDirectory

        return BinanceExchangeDirectory(self.settings, self.exchange)

    @cached_property
    def paper_accounts(self) -> PaperAccounts:
        """Simulator accounts opened through its admin API (simulator mode only)."""
        from tradecore.adapters.binance.paper_accounts import SimulatorPaperAccounts

        return SimulatorPaperAccounts(self.settings)
