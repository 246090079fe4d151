"""template.yaml: every core API function may use the ServiceStateTable as its code does. Every
authenticated request reads the token denylist there; the functions that change a user's exchange
connection (or read the account, or trade, close or cancel) also write it: they drop the user's cached
account view."""

from __future__ import annotations

import pytest

from devstack.template.reader import SamTemplate, referenced_resources

TEMPLATE = SamTemplate.load()
FUNCTIONS = TEMPLATE.functions()
PUBLIC_DOCUMENTS = {"ApiOpenApiFunction"}  # serves the OpenAPI document: no token, no state
CORE_FUNCTIONS = sorted({route.function for route in TEMPLATE.http_routes("CoreHttpApi")} - PUBLIC_DOCUMENTS)
ACCOUNT_CACHE_WRITERS = [
    "AccountFunction",
    "PutExchangeConnectionFunction",
    "DeleteExchangeConnectionFunction",
    # a trade, a close or a cancel changes the account: each drops the cached view
    "ExecuteTradeFunction",
    "ClosePositionFunction",
    "CancelOrderFunction",
]


def _state_policies(name: str) -> set[str]:
    return {
        kind
        for policy in FUNCTIONS[name].policies
        if isinstance(policy, dict)
        for kind in ("DynamoDBReadPolicy", "DynamoDBCrudPolicy")
        if kind in policy and referenced_resources(policy[kind]) == {"ServiceStateTable"}
    }


@pytest.mark.parametrize("name", CORE_FUNCTIONS)
def test_every_core_api_function_can_read_the_service_state_table(name: str) -> None:
    assert _state_policies(name), f"{name} cannot read the token denylist"


@pytest.mark.parametrize("name", ACCOUNT_CACHE_WRITERS)
def test_functions_that_drop_the_cached_account_view_can_write_the_service_state_table(name: str) -> None:
    assert "DynamoDBCrudPolicy" in _state_policies(name)
