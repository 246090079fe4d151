"""The exchange connection: the key a user connects, and what they see of it afterwards (never
the secret, only the key's last four characters)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from tradecore.domain.accounts import ConnectionStatus, Network, TradingMode
from tradecore.services.accounts.connections import ConnectionView, Disconnected


class ConnectionRequest(BaseModel):
    """A Binance API key pair: spot trading enabled, withdrawals disabled (mainnet refuses others)."""

    model_config = ConfigDict(extra="forbid")

    api_key: str = Field(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")
    # SecretStr: a validation error or a repr of the body never shows it
    api_secret: SecretStr = Field(min_length=8, max_length=128)


class PermissionsBody(BaseModel):
    can_trade: bool
    can_withdraw: bool | None = Field(description="null where the network does not say (testnet)")
    ip_restricted: bool | None
    trading_expires_at: str | None = Field(
        description="ISO 8601, UTC: when the exchange ends trading on this key unless it is IP-restricted"
    )


class ConnectionBody(BaseModel):
    network: Network
    mode: TradingMode
    key_hint: str = Field(description="The key's last four characters")
    paper: bool = Field(description="A simulator paper account the platform opened for the user")
    permissions: PermissionsBody
    status: ConnectionStatus
    verified_at: str = Field(description="ISO 8601, UTC: the last signed read that accepted the key")
    warning: str | None = Field(description="Set when the key's trading permission ends soon or has ended")
    egress_ip: str | None = Field(description="The deployment's static exchange IP, to whitelist on the key")


class DisconnectedBody(BaseModel):
    removed: bool
    message: str


def connection_body(view: ConnectionView) -> dict[str, Any]:
    permissions = view.permissions
    expires = permissions.trading_expires_at
    return {
        "network": view.network.value,
        "mode": view.mode.value,
        "key_hint": view.key_hint,
        "paper": view.paper,
        "permissions": {
            "can_trade": permissions.can_trade,
            "can_withdraw": permissions.can_withdraw,
            "ip_restricted": permissions.ip_restricted,
            "trading_expires_at": expires.isoformat() if expires else None,
        },
        "status": view.status.value,
        "verified_at": view.verified_at.isoformat(),
        "warning": view.warning,
        "egress_ip": view.egress_ip,
    }


def disconnected_body(answer: Disconnected) -> dict[str, Any]:
    return {"removed": answer.removed, "message": answer.message}
