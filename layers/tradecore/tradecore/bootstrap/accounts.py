"""Accounts wiring: users' exchange connections (stored, encrypted, validated; a copy in DynamoDB for
MongoDB outages), paper accounts in simulator mode, the exchange client of each account, and the
shared account view."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tradecore.bootstrap.core import CoreWiring

if TYPE_CHECKING:
    from tradecore.adapters.aws.account_cache import DynamoAccountCache
    from tradecore.ports import AccountCache, ConnectionStore, Exchange, ExchangeDirectory, PaperAccounts, SecretCipher
    from tradecore.ports.accounts import ConnectionCopy
    from tradecore.services.accounts.account_view import AccountExchanges, AccountService, RefreshWindow
    from tradecore.services.accounts.connections import ConnectionService


class AccountsWiring(CoreWiring):
    if TYPE_CHECKING:  # the shared market-data client (ExchangeWiring), clients per account, paper accounts

        @property
        def exchange(self) -> Exchange: ...

        @property
        def exchange_directory(self) -> ExchangeDirectory: ...

        @property
        def paper_accounts(self) -> PaperAccounts: ...

    @cached_property
    def connection_store(self) -> ConnectionStore:
        from tradecore.adapters.mongo.connection_store import MongoConnectionStore

        return MongoConnectionStore(self.mongo)

    @cached_property
    def copied_connection_store(self) -> ConnectionStore:
        """The connections as the connection service reads and changes them: MongoDB, read through
        its copy in the ServiceStateTable while it is down (trading goes on: every order needs the
        user's key). Only MongoDB gets a copy: a store put in its place (in memory) has no outage."""
        from tradecore.adapters.mongo.connection_store import MongoConnectionStore
        from tradecore.services.accounts.connection_copy import CopiedConnectionStore

        store = self.connection_store
        if not isinstance(store, MongoConnectionStore):
            return store
        return CopiedConnectionStore(store, self.connection_copy, clock=self.clock)

    @cached_property
    def connection_copy(self) -> ConnectionCopy:
        """The copy of each connection in the ServiceStateTable, read while MongoDB is down."""
        from tradecore.adapters.aws.connection_copy import DynamoConnectionCopy

        return DynamoConnectionCopy(self.settings.service_state_table, self.settings.aws_region, clock=self.clock)

    @cached_property
    def secret_cipher(self) -> SecretCipher:
        """KMS with the user id as encryption context (KMS_KEY_ID; moto's KMS locally)."""
        from tradecore.adapters.aws.kms_cipher import KmsSecretCipher

        return KmsSecretCipher(self.settings.kms_key_id, self.settings.aws_region)

    @cached_property
    def connection_service(self) -> ConnectionService:
        """Users' exchange connections; on the simulator, paper accounts on first use."""
        from tradecore.config import ExchangeMode
        from tradecore.domain.accounts import Network
        from tradecore.services.accounts.connections import ConnectionService

        settings = self.settings
        simulator = settings.exchange_mode is ExchangeMode.SIMULATOR
        return ConnectionService(
            self.copied_connection_store,
            self.secret_cipher,
            self.exchange_directory,
            self.paper_accounts if simulator else None,
            network=Network(settings.exchange_mode.value),
            mainnet_enabled=settings.binance_mainnet_enabled,
            paper_usdt=settings.paper_account_usdt,
            egress_ip=settings.egress_ip or None,  # the template passes "" without static egress
            credentials_ttl_seconds=settings.exchange_credentials_cache_seconds,
            clock=self.clock,
            account_cache=self.account_cache,  # connecting or removing a key drops the cached view
        )

    @cached_property
    def account_state(self) -> DynamoAccountCache:
        """Account snapshots and refresh windows in the ServiceStateTable (one table handle for both)."""
        from tradecore.adapters.aws.account_cache import DynamoAccountCache

        return DynamoAccountCache(self.settings.service_state_table, self.settings.aws_region, clock=self.clock)

    @cached_property
    def account_cache(self) -> AccountCache:
        """The account view's cache, shared by every instance (trades and syncs invalidate it)."""
        return self.account_state

    @cached_property
    def account_refresh_window(self) -> RefreshWindow:
        return self.account_state

    @cached_property
    def account_exchanges(self) -> AccountExchanges:
        """The exchange client of a user's own account (409 when the user has not connected one)."""
        return self.connection_service

    @cached_property
    def account_service(self) -> AccountService:
        from tradecore.domain.accounts import Network
        from tradecore.services.accounts.account_view import AccountService

        return AccountService(
            self.account_exchanges,
            self.account_cache,
            self.account_refresh_window,
            lambda: self.exchange,  # public prices only: never a user's key
            network=Network(self.settings.exchange_mode.value),
            cache_seconds=self.settings.account_cache_seconds,
            refresh_seconds=self.settings.account_refresh_seconds,
            clock=self.clock,
        )
