"""Each auth route answers exactly the statuses the served OpenAPI document lists for it.

The document is the one the gateway serves (``GET /api/openapi.json`` through the trade
function's handler). Both directions are checked through the auth function's real Lambda handler
with API Gateway v2 events, on in-memory fakes:

- a hypothesis fuzz run sends every auth route arbitrary requests (any body bytes, content types,
  credentials of every kind, query strings and path ids) in arbitrary states (registration open
  or closed, MongoDB or the service-state table down, logins throttled); every answer must be a
  status the document lists for that route, with the documented body (the error envelope for a
  refusal, the route's schema for a success);
- one scenario per documented status shows the route really can answer it, so the document
  lists nothing a route cannot do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from auth import app as auth_app
from devstack.template.reader import SamTemplate
from tests.conftest import FakeLambdaContext
from tests.support.auth import DEFAULT_PASSWORD, InterleavingHasher
from tests.support.auth_world import World
from tests.support.openapi import SAMPLES, check_answer, documented, gateway_event
from trade import app as trade_app
from trade.routes.openapi import core_document
from tradecore.config import Settings
from tradecore.domain.users import Role, User

ROUTES = sorted(r.route_key for r in SamTemplate.load().http_routes() if r.handler == "auth.app.handler")
NEW_PASSWORD = "another long passphrase"
Answer = tuple[int, Any, dict[str, str]]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The core API's document as the gateway serves it (through the trade function's handler)."""
    response = trade_app.handler(gateway_event("GET /api/openapi.json", content_type=None), FakeLambdaContext())
    assert response["statusCode"] == 200
    served: dict[str, Any] = json.loads(response["body"])
    return served


@pytest.fixture
def answer(lambda_context: Any) -> Iterator[Callable[[World, dict[str, Any]], Answer]]:
    """Invoke the auth function's handler with an event, on ``world``'s container."""

    def call(world: World, request_event: dict[str, Any]) -> Answer:
        auth_app.app.state.container = world.container
        response = auth_app.handler(request_event, lambda_context)
        body = json.loads(response["body"]) if response.get("body") else None
        return response["statusCode"], body, response["headers"]

    yield call
    auth_app.app.state.container = None


def _path(route: str, user_id: str) -> dict[str, str] | None:
    return {"user_id": user_id} if "{user_id}" in route else None


# ------------------------------------------------------------------------------ fuzz: answered ⊆ documented

_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), _TEXT)
_EMAILS = ["admin@example.com", "trader@example.com", "viewer@example.com", "gone@example.com", "new@example.com"]
# each field: mostly values a client would send (so requests get past validation), sometimes anything
_FIELDS = {
    "email": st.one_of(st.sampled_from(_EMAILS), st.sampled_from(["NEW@Example.com ", "no-at-sign", "a@b", ""]), _TEXT),
    "password": st.one_of(
        st.sampled_from([DEFAULT_PASSWORD, NEW_PASSWORD]), st.sampled_from(["short", "x" * 129]), _TEXT
    ),
    "role": st.one_of(st.sampled_from(["admin", "trader", "viewer"]), st.sampled_from(["root", "", None]), _SCALARS),
    "active": st.one_of(st.booleans(), _SCALARS),
}
_FIELDS |= {"current_password": _FIELDS["password"], "new_password": _FIELDS["password"]}
_BODY_FIELDS = {
    "POST /api/auth/register": ("email", "password"),
    "POST /api/auth/login": ("email", "password"),
    "POST /api/auth/password": ("current_password", "new_password"),
    "POST /api/admin/users": ("email", "password", "role"),
    "PATCH /api/admin/users/{user_id}": ("role", "active"),
}
_ANY_JSON = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3)
)
_TOKEN_KINDS = ["admin", "trader", "viewer", "deactivated", "revoked"]
_CREDENTIALS = st.one_of(
    st.sampled_from(_TOKEN_KINDS).map(lambda kind: ("token", kind)),
    st.sampled_from(_TOKEN_KINDS).map(lambda kind: ("token", kind)),
    st.sampled_from([None, "", "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "bearer  x.y.z "]).map(
        lambda raw: ("raw", raw)
    ),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60).map(lambda raw: ("raw", raw)),
)
_CONTENT_TYPES = st.one_of(
    st.just("application/json"),
    st.sampled_from(
        [
            None,
            "text/plain",
            "application/merge-patch+json",
            "application/json; charset=utf-8",
            "application/x-www-form-urlencoded",
        ]
    ),
)
_QUERY = st.dictionaries(
    st.sampled_from(["limit", "offset", "cursor"]),
    st.one_of(st.integers(min_value=-10, max_value=600).map(str), st.integers().map(str), _TEXT),
    max_size=3,
)
_USER_IDS = st.one_of(
    st.sampled_from(["admin", "trader", "viewer", "gone"]),
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="/"), min_size=1, max_size=40),
)
_FAULTS = st.sampled_from([(False, False)] * 4 + [(True, False), (False, True), (True, True)])


def _body(route: str, kind: str) -> st.SearchStrategy[Any]:
    fields = {name: _FIELDS[name] for name in _BODY_FIELDS.get(route, ("email", "password"))}
    return {
        "none": st.none(),
        "fields": st.fixed_dictionaries(fields),
        "some fields": st.fixed_dictionaries({}, optional=fields | {"unexpected": _SCALARS}),
        "json": _ANY_JSON,
        "bytes": st.binary(max_size=40),
    }[kind]


@st.composite
def _requests(draw: st.DrawFn) -> dict[str, Any]:
    route = draw(st.sampled_from(ROUTES))
    body_kind = draw(st.sampled_from(["fields", "fields", "fields", "some fields", "json", "bytes", "none"]))
    mongo_down, state_down = draw(_FAULTS)
    return {
        "route": route,
        "registration": draw(st.sampled_from(["open", "closed"])),
        "mongo_down": mongo_down,
        "state_down": state_down,
        "throttled": draw(st.booleans()),
        "credential": draw(_CREDENTIALS),
        "body_kind": body_kind,
        "body": draw(_body(route, body_kind)),
        "content_type": draw(_CONTENT_TYPES),
        "query": urlencode(draw(_QUERY)),
        "user_id": draw(_USER_IDS),
    }


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=_requests())
def test_fuzz_every_answer_of_an_auth_route_is_documented_for_it(
    make_settings: Callable[..., Settings],
    answer: Callable[[World, dict[str, Any]], Answer],
    document: dict[str, Any],
    request: dict[str, Any],
) -> None:
    world = World.build(make_settings, registration=request["registration"])
    if request["throttled"]:
        for email in ("admin@example.com", "trader@example.com", "viewer@example.com"):
            world.throttle(email)
    kind, value = request["credential"]
    authorization = f"Bearer {world.tokens[value]}" if kind == "token" else value
    user_id = request["user_id"]
    user_id = world.users[user_id].user_id if user_id in world.users else user_id
    world.mongo.down, world.state.down = request["mongo_down"], request["state_down"]
    route = request["route"]
    request_event = gateway_event(
        route,
        authorization=authorization,
        body=request["body"] if request["body_kind"] not in ("none", "bytes") else None,
        raw_body=request["body"] if request["body_kind"] == "bytes" else None,
        content_type=request["content_type"],
        query=request["query"],
        path_parameters=_path(route, user_id),
    )

    status, body, headers = answer(world, request_event)

    event(f"{route} {status}")  # pytest --hypothesis-show-statistics: what the run reached
    check_answer(document, route, status, body, headers)


# ------------------------------------------------------------------------------ documented ⊆ answerable


def _keeps_changing(world: World) -> None:
    """Each of the login's confirming reads sees a newer version of the account (an admin keeps editing it)."""
    store, read = world.container.user_store, world.container.user_store.get

    def changing(user_id: str) -> User | None:
        user = read(user_id)
        if user is not None:
            user = user.with_changes(updated_at=user.updated_at.replace(year=user.updated_at.year + 1))
            store.users[user_id] = user
        return user

    store.get = changing


def _demoted_while_hashing(world: World) -> None:
    """An admin demotes the trader while their new password is being hashed."""
    admin = world.container.token_service.verify(world.tokens["admin"])
    hasher = world.container.password_hasher
    assert isinstance(hasher, InterleavingHasher)
    hasher.during_hash = lambda: world.container.auth_service.update_user(
        admin, world.users["trader"].user_id, role=Role.VIEWER, active=None
    )


def _throttled(world: World) -> None:
    world.throttle("trader@example.com")


@dataclass(frozen=True)
class Case:
    """A request (``credential`` names a token of the world) and what to do to the world first."""

    credential: str | None = None
    body: Any = None
    query: str = ""
    user: str = "trader"  # the PATCH target: a user of the world, or an id nobody has
    setup: Callable[[World], None] | None = None
    registration: str = "open"


LOGIN = {"email": "trader@example.com", "password": DEFAULT_PASSWORD}
SIGN_UP = {"email": "x@example.com", "password": NEW_PASSWORD}
CHANGE = {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
NEW_USER = {"email": "new@example.com", "password": NEW_PASSWORD, "role": "trader"}
DEACTIVATE = {"active": False}
REGISTER, LOG_IN, ME, LOG_OUT, PASSWORD = (
    "POST /api/auth/register",
    "POST /api/auth/login",
    "GET /api/auth/me",
    "POST /api/auth/logout",
    "POST /api/auth/password",
)
USERS, CREATE, UPDATE = "GET /api/admin/users", "POST /api/admin/users", "PATCH /api/admin/users/{user_id}"

# One way to get each documented answer. 400 (a body that is not UTF-8) and 503 (MongoDB down,
# or the service-state table for the routes that only read the token) are set up alike for all.
CASES: dict[tuple[str, int], Case] = {
    (REGISTER, 201): Case(body=SIGN_UP),
    (REGISTER, 403): Case(body=SIGN_UP, registration="closed"),
    (REGISTER, 409): Case(body=LOGIN),
    (REGISTER, 422): Case(body=SIGN_UP | {"password": "short"}),
    (REGISTER, 503): Case(body=SIGN_UP),
    (LOG_IN, 200): Case(body=LOGIN),
    (LOG_IN, 401): Case(body=LOGIN | {"password": "wrong password!"}),
    (LOG_IN, 409): Case(body=LOGIN, setup=_keeps_changing),
    (LOG_IN, 422): Case(body={"email": "trader@example.com"}),
    (LOG_IN, 429): Case(body=LOGIN, setup=_throttled),
    (LOG_IN, 503): Case(body=LOGIN),
    (ME, 200): Case("trader"),
    (ME, 401): Case("revoked"),
    (ME, 503): Case("trader"),
    (LOG_OUT, 204): Case("trader"),
    (LOG_OUT, 401): Case(),
    (LOG_OUT, 503): Case("trader"),
    (PASSWORD, 200): Case("trader", CHANGE),
    (PASSWORD, 401): Case(body=CHANGE),
    (PASSWORD, 403): Case("trader", CHANGE | {"current_password": "wrong password!"}),
    (PASSWORD, 409): Case("trader", CHANGE, setup=_demoted_while_hashing),
    (PASSWORD, 422): Case("trader", CHANGE | {"new_password": "x"}),
    (PASSWORD, 429): Case("trader", CHANGE, setup=_throttled),
    (PASSWORD, 503): Case("trader", CHANGE),
    (USERS, 200): Case("admin", query="limit=2"),
    (USERS, 401): Case(),
    (USERS, 403): Case("trader"),
    (USERS, 422): Case("admin", query="limit=0"),
    (USERS, 503): Case("admin"),
    (CREATE, 201): Case("admin", NEW_USER),
    (CREATE, 401): Case(body=NEW_USER),
    (CREATE, 403): Case("viewer", NEW_USER),
    (CREATE, 409): Case("admin", NEW_USER | {"email": "trader@example.com"}),
    (CREATE, 422): Case("admin", NEW_USER | {"role": "root"}),
    (CREATE, 503): Case("admin", NEW_USER),
    (UPDATE, 200): Case("admin", {"role": "viewer"}),
    (UPDATE, 401): Case(body=DEACTIVATE),
    (UPDATE, 403): Case("trader", DEACTIVATE),
    (UPDATE, 404): Case("admin", DEACTIVATE, user="nobody"),
    (UPDATE, 409): Case("admin", {"role": "viewer"}, user="admin"),
    (UPDATE, 422): Case("admin", {"role": "root"}),
    (UPDATE, 503): Case("admin", DEACTIVATE),
}


def _documented_statuses() -> list[tuple[str, int]]:
    document = core_document()
    return [(route, status) for route in ROUTES for status in sorted(documented(document, route))]


@pytest.mark.parametrize(("route", "status"), _documented_statuses(), ids=str)
def test_every_documented_status_of_an_auth_route_can_be_answered(
    make_settings: Callable[..., Settings],
    answer: Callable[[World, dict[str, Any]], Answer],
    document: dict[str, Any],
    route: str,
    status: int,
) -> None:
    case = CASES.get((route, status)) or (Case("admin") if status == 400 else None)
    assert case is not None, f"{route} documents {status}; no case here shows it can answer it"
    world = World.build(make_settings, registration=case.registration, hasher=InterleavingHasher())
    if case.setup is not None:
        case.setup(world)
    if status == 503:
        world.mongo.down = True
        world.state.down = route in (ME, LOG_OUT)  # /me answers from the token while MongoDB is down
    target = world.users[case.user].user_id if case.user in world.users else case.user
    request_event = gateway_event(
        route,
        authorization=f"Bearer {world.tokens[case.credential]}" if case.credential else None,
        body=case.body,
        raw_body=b'{"email": "\xff"}' if status == 400 else None,
        query=case.query,
        path_parameters=_path(route, target),
    )

    answered, body, headers = answer(world, request_event)

    assert answered == status, body
    check_answer(document, route, status, body, headers)


def test_the_fuzz_covers_every_auth_route_of_the_template() -> None:
    assert len(ROUTES) == 8
    assert set(ROUTES) <= set(SAMPLES)
