"""The interfaces the services need, one module per capability; adapters implement them, tests fake them.

Services import only these Protocols (and domain types), never an adapter or a vendor SDK.
"""

from tradecore.ports.analysis import AnalysisStore, Analyzer
from tradecore.ports.auth import LoginThrottle, PasswordHasher, TokenDenylist, TokenVerifier, UserStore
from tradecore.ports.exchange import Exchange
from tradecore.ports.health import HealthProbe, SchemaInfo
from tradecore.ports.realtime import Broadcaster, ConnectionRegistry, MessageSender, SessionTerminator
from tradecore.ports.state import BreakerStore, ServiceState, WindowCount

__all__ = [
    "AnalysisStore",
    "Analyzer",
    "BreakerStore",
    "Broadcaster",
    "ConnectionRegistry",
    "Exchange",
    "HealthProbe",
    "LoginThrottle",
    "MessageSender",
    "PasswordHasher",
    "SchemaInfo",
    "ServiceState",
    "SessionTerminator",
    "TokenDenylist",
    "TokenVerifier",
    "UserStore",
    "WindowCount",
]
