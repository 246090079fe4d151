"""Accounts wiring: users' exchange connections (stored, encrypted, validated), paper accounts in
simulator mode, the exchange client of each account, and the shared account view."""

from __future__ import annotations

from tradecore.bootstrap.core import CoreWiring


class AccountsWiring(CoreWiring):
    pass
