"""Fakes and helpers for auth: in-memory ports, the ServiceStateTable schema, ready-made tokens.

Other areas' route tests can use :func:`auth_container` + :func:`bearer` to call protected routes
as any role without MongoDB or DynamoDB.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.service_state import ComponentStatus, Revocations, RevokedToken, TokensNotBefore
from tradecore.domain.users import Role, User
from tradecore.errors import ConflictError, NotFoundError
from tradecore.ports import PasswordHasher, SessionTerminator, UserStore, WindowCount


class InMemoryServiceState:
    """The ServiceState ports (revocations, login windows, component statuses) as typed records in
    dicts, honouring ``expires_at`` against ``clock``."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.revoked_tokens: dict[str, RevokedToken] = {}
        self.tokens_not_before: dict[str, TokensNotBefore] = {}
        self.login_windows: dict[str, WindowCount] = {}  # by email (the real table keys a hash of it)
        self.statuses: dict[str, ComponentStatus] = {}
        self.clock = clock
        self._lock = threading.Lock()  # the real table's conditional updates are atomic

    def save_revoked_token(self, record: RevokedToken) -> None:
        self.revoked_tokens[record.token_id] = record

    def save_tokens_not_before(self, record: TokensNotBefore) -> None:
        self.tokens_not_before[record.user_id] = record

    def revocations(self, token_id: str, user_id: str) -> Revocations:
        token, user = self.revoked_tokens.get(token_id), self.tokens_not_before.get(user_id)
        now = self.clock()
        return Revocations(
            token=token if token is not None and token.expires_at > now else None,
            user=user if user is not None and user.expires_at > now else None,
        )

    def acquire_login_attempt(self, email: str, *, limit: int, window_seconds: int, now: float) -> WindowCount:
        with self._lock:
            window = self.login_windows.get(email)
            if window is None or window.window_started_at <= now - window_seconds:
                window = WindowCount(0, now)
            if window.count >= limit:
                return WindowCount(window.count, window.window_started_at, granted=False)
            self.login_windows[email] = WindowCount(window.count + 1, window.window_started_at)
            return self.login_windows[email]

    def release_login_attempt(self, email: str) -> None:
        with self._lock:
            window = self.login_windows.get(email)
            if window is not None and window.count > 0:
                self.login_windows[email] = WindowCount(window.count - 1, window.window_started_at)

    def clear_login_attempts(self, email: str) -> None:
        self.login_windows.pop(email, None)

    def component_statuses(self, components: Sequence[str]) -> dict[str, ComponentStatus]:
        return {name: self.statuses[name] for name in components if name in self.statuses}

    def save_component_status(self, status: ComponentStatus) -> None:
        self.statuses[status.component] = status


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
    users: UserStore | None = None,
    hasher: PasswordHasher | None = None,
    sessions: SessionTerminator | None = None,
    **overrides: Any,
) -> Container:
    """The real container with its auth leaves on in-memory fakes (or the given ones): the clock,
    the service-state table, the user store, the password hasher and, when given, the session
    terminator. Tokens, throttle and auth service are the container's own wiring on top of them."""
    leaves: dict[str, Any] = {
        "clock": clock,
        "service_state": InMemoryServiceState(clock),
        "user_store": users if users is not None else InMemoryUserStore(),
        "password_hasher": hasher if hasher is not None else FastPasswordHasher(),
    }
    if sessions is not None:
        leaves["session_terminator"] = sessions
    return bootstrap(settings, **{**leaves, **overrides})


DEFAULT_PASSWORD = "correct horse battery"


def add_user(container: Container, role: Role, email: str | None = None, password: str = DEFAULT_PASSWORD) -> User:
    """Store a user with ``role`` directly (bypassing registration rules), stamped on the container's clock."""
    now = datetime.fromtimestamp(container.clock(), UTC)
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
