"""The stream task's account sync on real parts: the ConnectionsTable and ServiceStateTable (moto
server), MongoDB (users, exchange connections), the exchange simulator over sockets, and a
recording sender in place of API Gateway. Only the subscribed user's ``account`` tabs get the
update, with what the simulator holds; the user's own refresh slot stays free."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.accounts_world import accounts_settings, trade_container
from tests.support.auth import add_user
from tests.support.connections import RecordingSender, create_connections_table
from tradecore.config import Settings
from tradecore.domain.users import Principal, Role
from tradecore.services.accounts.account_view import ViewSource


def test_account_sync_tells_subscribed_tabs_what_the_simulator_holds(
    mongo_settings: Settings, moto_server: str, sim_server: SimServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = accounts_settings(
        mongo_settings, moto_server, sim_server.url, monkeypatch, websocket_management_url="http://127.0.0.1:1"
    )  # the sender is replaced: nothing is posted there
    create_connections_table()
    sim_server.set_price("BTCUSDT", "50000")
    sender = RecordingSender()
    with trade_container(settings) as container:
        container.__dict__["message_sender"] = sender
        alice, bob = (add_user(container, Role.TRADER) for _ in range(2))
        registry = container.connection_registry
        # GIVEN alice with two tabs (one on account, one on prices) and bob on prices only
        for cid, user, channels in (
            ("a-account", alice, ["account"]),
            ("a-prices", alice, ["prices:BTCUSDT"]),
            ("b-prices", bob, ["prices:BTCUSDT"]),
        ):
            registry.add(cid, user.user_id, Role.TRADER)
            registry.set_channels(cid, channels, expected_version=0)

        # WHEN a round runs
        result = asyncio.run(container.account_sync.sync_once())

        # THEN alice's account tab alone gets her paper account (opened on first read: 10,000 USDT)
        assert (result.synced, result.failed) == (1, 0)
        assert [(cid, kind) for cid, kind, _ in sender.sent] == [("a-account", "account_update")]
        body = sender.sent[0][2]
        assert (body["reason"], body["source"], body["mode"]) == ("sync", "exchange", "paper")
        assert {row["asset"]: Decimal(row["free"]) for row in body["balances"]} == {"USDT": Decimal("10000")}
        assert Decimal(body["equity_usdt"]) == Decimal("10000")
        # and her manual refresh is still allowed right after
        principal = Principal(user_id=alice.user_id, role=Role.TRADER, token_id="t", issued_at=0.0, expires_at=0)
        assert container.account_service.view(principal, refresh=True).source is ViewSource.EXCHANGE
