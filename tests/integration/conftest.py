"""Fixtures shared by the integration tests: the exchange simulator as a real server process."""

from tests.integration.exchange_sim_fixtures import binance_client, sim_server

__all__ = ["binance_client", "sim_server"]
