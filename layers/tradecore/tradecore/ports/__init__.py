"""The interfaces the services need, one module per capability; adapters implement them, tests fake them.

Services import only these Protocols (and domain types), never an adapter or a vendor SDK.
"""

from tradecore.ports.accounts import AccountCache, ConnectionStore, ExchangeDirectory, PaperAccounts, SecretCipher
from tradecore.ports.analysis import AnalysisStore, Analyzer
from tradecore.ports.auth import LoginThrottle, PasswordHasher, TokenCodec, TokenDenylist, TokenVerifier, UserStore
from tradecore.ports.exchange import Exchange
from tradecore.ports.health import HealthProbe, SchemaInfo
from tradecore.ports.realtime import (
    ChannelPublisher,
    ConnectionRegistry,
    MessagePoster,
    MessageSender,
    SessionTerminator,
    UserNotifier,
)
from tradecore.ports.state import (
    BreakerStore,
    ComponentStatusState,
    LoginAttemptState,
    RevocationState,
    ServiceState,
    WindowCount,
)
from tradecore.ports.trading import (
    BotSettingsStore,
    IdempotencyGuard,
    PlacementLedger,
    RiskSettingsStore,
    SignalClient,
    TradeOutbox,
    TradeStore,
    TradingSwitch,
)

__all__ = [
    "AccountCache",
    "AnalysisStore",
    "Analyzer",
    "BotSettingsStore",
    "BreakerStore",
    "ChannelPublisher",
    "ComponentStatusState",
    "ConnectionRegistry",
    "ConnectionStore",
    "Exchange",
    "ExchangeDirectory",
    "HealthProbe",
    "IdempotencyGuard",
    "LoginAttemptState",
    "LoginThrottle",
    "MessagePoster",
    "MessageSender",
    "PaperAccounts",
    "PasswordHasher",
    "PlacementLedger",
    "RevocationState",
    "RiskSettingsStore",
    "SchemaInfo",
    "SecretCipher",
    "ServiceState",
    "SessionTerminator",
    "SignalClient",
    "TokenCodec",
    "TokenDenylist",
    "TokenVerifier",
    "TradeOutbox",
    "TradeStore",
    "TradingSwitch",
    "UserNotifier",
    "UserStore",
    "WindowCount",
]
