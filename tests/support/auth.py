"""Fakes and helpers for auth: in-memory ports, the ServiceStateTable schema, ready-made tokens.

Other areas' route tests can use :func:`auth_container` + :func:`bearer` to call protected routes
as any role without MongoDB or DynamoDB.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.users import Role, User
from tradecore.errors import ConflictError, NotFoundError
from tradecore.ports import WindowCount
from tradecore.services.auth.revocation import StateTokenDenylist
from tradecore.services.auth.service import AuthService
from tradecore.services.auth.throttle import StateLoginThrottle
from tradecore.services.auth.tokens import TokenService


class InMemoryServiceState:
    """The ServiceState port in a dict, honouring ``expires_at`` against ``clock``."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.clock = clock
        self._lock = threading.Lock()  # the real table's conditional updates are atomic

    def put(self, pk: str, sk: str, attributes: dict[str, Any], *, expires_at: int | None = None) -> None:
        self.items[(pk, sk)] = {**attributes, **({"expires_at": expires_at} if expires_at is not None else {})}

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        item = self.items.get((pk, sk))
        if item is None or ("expires_at" in item and item["expires_at"] <= self.clock()):
            return None
        return dict(item)

    def get_many(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        return {key: item for key in keys if (item := self.get(*key)) is not None}

    def delete(self, pk: str, sk: str) -> None:
        self.items.pop((pk, sk), None)

    def increment_in_window(self, pk: str, sk: str, *, window_seconds: int, now: float) -> WindowCount:
        item = self.get(pk, sk)
        if item is None or item["window_started_at"] <= now - window_seconds:
            item = {"count": 0, "window_started_at": now, "expires_at": int(now) + window_seconds + 1}
        item["count"] += 1
        self.items[(pk, sk)] = item
        return WindowCount(item["count"], item["window_started_at"])

    def acquire_in_window(self, pk: str, sk: str, *, limit: int, window_seconds: int, now: float) -> WindowCount:
        with self._lock:
            item = self.get(pk, sk)
            if item is None or item["window_started_at"] <= now - window_seconds:
                item = {"count": 0, "window_started_at": now, "expires_at": int(now) + window_seconds + 1}
            if item["count"] >= limit:
                return WindowCount(item["count"], item["window_started_at"], granted=False)
            item["count"] += 1
            self.items[(pk, sk)] = item
            return WindowCount(item["count"], item["window_started_at"])

    def release_in_window(self, pk: str, sk: str) -> None:
        with self._lock:
            item = self.items.get((pk, sk))
            if item is not None and item.get("count", 0) > 0:
                item["count"] -= 1


class InMemoryUserStore:
    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.first_admin: str | None = None  # the user id holding the first-admin claim
        self._claim_lock = threading.Lock()

    def add(self, user: User) -> None:
        if any(existing.email == user.email for existing in self.users.values()):
            raise ConflictError("An account with this email already exists")
        self.users[user.user_id] = user

    def get(self, user_id: str) -> User | None:
        return self.users.get(user_id)

    def find_by_email(self, email: str) -> User | None:
        return next((user for user in self.users.values() if user.email == email), None)

    def count(self) -> int:
        return len(self.users)

    def claim_first_admin(self, user_id: str) -> bool:
        with self._claim_lock:  # the real store's insert of a unique _id is atomic
            if self.first_admin is None:
                self.first_admin = user_id
            return self.first_admin == user_id

    def list_users(self, *, limit: int, offset: int) -> list[User]:
        ordered = sorted(self.users.values(), key=lambda user: (user.created_at, user.user_id))
        return ordered[offset : offset + limit]

    def update(
        self, user_id: str, changes: dict[str, Any], *, expected_updated_at: datetime, require_active: bool = False
    ) -> User:
        """Same semantics as ``MongoUserStore.update``: only ``changes``, guarded by version (and active)."""
        unknown = set(changes) - {"role", "active", "password_hash", "updated_at", "password_changed_at"}
        if unknown or not _millis(changes.get("updated_at") or expected_updated_at) > _millis(expected_updated_at):
            raise ValueError(f"an update sets mutable fields and a later updated_at, not {sorted(changes)}")
        stored = self.users.get(user_id)
        if stored is None:
            raise NotFoundError("No such user")
        if _millis(stored.updated_at) != _millis(expected_updated_at) or (require_active and not stored.active):
            raise ConflictError("This account was changed meanwhile; reload and try again")
        updated = stored.with_changes(**changes)
        self.users[user_id] = updated
        return updated


def _millis(value: datetime) -> datetime:
    """MongoDB keeps datetimes to the millisecond (UTC); compare versions the same way."""
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


class FastPasswordHasher:
    """A keyed hash standing in for argon2 in unit tests (fast; never contains the password)."""

    def __init__(self) -> None:
        self.dummy_checks = 0

    def hash(self, password: str) -> str:
        return "fake$" + hmac.new(b"pepper", password.encode(), hashlib.sha256).hexdigest()

    def verify(self, password_hash: str | None, password: str) -> bool:
        if password_hash is None:
            self.dummy_checks += 1
            hmac.compare_digest(self.hash(password), self.hash("dummy"))
            return False
        return hmac.compare_digest(password_hash, self.hash(password))

    def needs_rehash(self, password_hash: str) -> bool:
        return False


class InterleavingHasher(FastPasswordHasher):
    """Runs a hook once inside the next ``verify`` or ``hash`` (the ~170 ms argon2 steps of the real
    hasher), so a test can land a concurrent change exactly where a race would put it."""

    def __init__(self) -> None:
        super().__init__()
        self.during_verify: Callable[[], object] | None = None
        self.during_hash: Callable[[], object] | None = None

    def verify(self, password_hash: str | None, password: str) -> bool:
        hook, self.during_verify = self.during_verify, None
        if hook is not None:
            hook()
        return super().verify(password_hash, password)

    def hash(self, password: str) -> str:
        hook, self.during_hash = self.during_hash, None
        if hook is not None:
            hook()
        return super().hash(password)


class FakeClock:
    """A settable clock for the services under test.

    Its default instant is fixed (2026-11-25), so anything that reads the real clock instead of this
    one disagrees with it; `make test-unit-ahead` runs the unit tests a year ahead to catch that.
    """

    def __init__(self, now: float = 1_795_600_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def auth_container(
    settings: Settings,
    *,
    clock: Callable[[], float] = time.time,
    state: Any = None,
    users: Any = None,
    hasher: Any = None,
    sessions: Any = None,
    **overrides: Any,
) -> Container:
    """A container whose auth pieces are wired on in-memory fakes (or the given adapters)."""
    state = state if state is not None else InMemoryServiceState(clock)
    users = users if users is not None else InMemoryUserStore()
    hasher = hasher or FastPasswordHasher()
    lifetime = settings.jwt_expiry_hours * 3600 + settings.jwt_leeway_seconds
    denylist = StateTokenDenylist(state, max_token_lifetime_seconds=lifetime)
    assert settings.jwt_secret is not None
    tokens = TokenService(
        settings.jwt_secret.get_secret_value(),
        denylist,
        expiry_hours=settings.jwt_expiry_hours,
        leeway_seconds=settings.jwt_leeway_seconds,
        clock=clock,
        sessions=sessions,
    )
    throttle = StateLoginThrottle(
        state, max_failures=settings.login_max_failures, window_seconds=settings.login_window_seconds, clock=clock
    )
    service = AuthService(
        users,
        hasher,
        tokens,
        throttle,
        registration_open=settings.registration_mode.value == "open",
        bootstrap_admin_email=settings.bootstrap_admin_email,
        clock=clock,
    )
    parts = {
        "service_state": state,
        "token_denylist": denylist,
        "token_service": tokens,
        "user_store": users,
        "password_hasher": hasher,
        "login_throttle": throttle,
        "auth_service": service,
    }
    return bootstrap(settings, **{**parts, **overrides})


DEFAULT_PASSWORD = "correct horse battery"


def add_user(container: Container, role: Role, email: str | None = None, password: str = DEFAULT_PASSWORD) -> User:
    """Store a user with ``role`` directly (bypassing registration rules)."""
    now = datetime.now(UTC)
    number = container.user_store.count() + 1
    user = User(
        user_id=f"{role.value}-{number}",
        email=email or f"{role.value}{number}@example.com",
        password_hash=container.password_hasher.hash(password),
        role=role,
        active=True,
        created_at=now,
        updated_at=now,
    )
    container.user_store.add(user)
    return user


def bearer(container: Container, user: User) -> dict[str, str]:
    """An ``Authorization`` header with a fresh token for ``user``."""
    return {"Authorization": f"Bearer {container.token_service.issue(user)}"}


def create_service_state_table(region: str = "us-east-1", table_name: str = "tradecore-service-state") -> None:
    """Create the ServiceStateTable as template.yaml declares it (pk/sk strings, TTL expires_at)."""
    import boto3

    client = boto3.client("dynamodb", region_name=region)
    client.create_table(
        TableName=table_name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.update_time_to_live(
        TableName=table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
    )


def api_event(
    event: dict[str, Any],
    *,
    token: str | None = None,
    body: dict[str, Any] | None = None,
    path: str | None = None,
    query: str | None = None,
) -> dict[str, Any]:
    """A sample API Gateway v2 event with its bearer token, JSON body, path or query string replaced."""
    import json

    headers = event["headers"]
    if token is None:
        headers.pop("authorization", None)
    else:
        headers["authorization"] = f"Bearer {token}"
    if body is not None:
        event["body"] = json.dumps(body)
    if path is not None:
        event["rawPath"] = path
        event["requestContext"]["http"]["path"] = path
    if query is not None:
        from urllib.parse import parse_qsl

        event["rawQueryString"] = query
        event["queryStringParameters"] = dict(parse_qsl(query, keep_blank_values=True)) or None
    return event
