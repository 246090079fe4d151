"""Binance's request security: API keys, HMAC-SHA256 signatures, timestamps, rate limits."""

from __future__ import annotations

import hashlib
import hmac

from devstack.exchange_sim.errors import BinanceError
from devstack.exchange_sim.ledger import Account
from devstack.exchange_sim.params import parse_decimal

MAX_RECV_WINDOW_MS = 60_000


def _strip_signature(text: str) -> tuple[str, str | None]:
    """``text`` without its ``signature=...`` parameter, and the signature found."""
    if "signature=" not in text:
        return text, None
    kept, signature = [], None
    for part in text.split("&"):
        if part.startswith("signature="):
            signature = part[len("signature=") :]
        else:
            kept.append(part)
    return "&".join(kept), signature


def authenticate(accounts: dict[str, Account], api_key: str | None) -> Account:
    """The account of the ``X-MBX-APIKEY`` header (-2014 malformed, -2015 unknown)."""
    if not api_key:
        raise BinanceError(-2014, "API-key format invalid.", status=401)
    account = accounts.get(api_key)
    if account is None:
        raise BinanceError(-2015, "Invalid API-key, IP, or permissions for action.", status=401)
    return account


def verify_signature(account: Account, raw_query: str, raw_body: str) -> None:
    """Check ``signature`` = HMAC-SHA256(secret, query string + body) (-1022 otherwise).

    The payload is the exact bytes sent, percent-encoding included: Binance signs what it
    receives (since 2026-01-15 a signature over the decoded payload is -1022), so a client that
    signs ``a:b`` but sends ``a%3Ab`` must fail here as it would there. Hex case does not matter.
    """
    query, sig_q = _strip_signature(raw_query)
    body, sig_b = _strip_signature(raw_body)
    signature = sig_q or sig_b
    if not signature:
        raise BinanceError(-1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.")
    key = account.secret.encode()
    payload = query + body
    expected = hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.lower()):
        raise BinanceError(-1022, "Signature for this request is not valid.")


def check_timestamp(params: dict[str, str], now: int) -> None:
    """Binance's rule: ``timestamp < now + 1000`` and ``now - timestamp <= recvWindow``."""
    raw = params.get("timestamp")
    if not raw or not (raw.isascii() and raw.isdigit()):  # str.isdigit alone accepts "²" and full-width digits
        raise BinanceError(-1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")
    window = parse_decimal(params.get("recvWindow") or "5000", "recvWindow")
    if window > MAX_RECV_WINDOW_MS:
        raise BinanceError(-1131, "recvWindow must be less than 60000")
    timestamp = int(raw)
    if timestamp >= now + 1000:
        raise BinanceError(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
    if now - timestamp > window:
        raise BinanceError(-1021, "Timestamp for this request is outside of the recvWindow.")


class RateLimiter:
    """Fixed-window counters: request weight per IP per minute, orders per account per 10 s and day."""

    def __init__(self, weight_per_minute: int = 6000, orders_per_10s: int = 100, orders_per_day: int = 200_000) -> None:
        self.weight_per_minute = weight_per_minute
        self.orders_per_10s = orders_per_10s
        self.orders_per_day = orders_per_day
        self._weights: dict[str, tuple[int, int]] = {}
        self._orders: dict[str, tuple[int, int, int, int]] = {}

    def add_weight(self, ip: str, weight: int, now: int) -> int:
        """Count ``weight`` for ``ip``; raise 429 (-1003, Retry-After) past the limit."""
        window = now // 60_000
        current_window, used = self._weights.get(ip, (window, 0))
        if current_window != window:
            used = 0
        if used + weight > self.weight_per_minute:
            retry = max(1, (window + 1) * 60 - now // 1000)
            raise BinanceError(
                -1003,
                f"Too much request weight used; current limit is {self.weight_per_minute} request weight per "
                "1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
                status=429,
                headers={"Retry-After": str(retry), "X-MBX-USED-WEIGHT-1M": str(used)},
            )
        used += weight
        self._weights[ip] = (window, used)
        return used

    def add_order(self, api_key: str, now: int) -> tuple[int, int]:
        """Count one new order; raise 429 (-1015) past either order limit."""
        ten, day = now // 10_000, now // 86_400_000
        w10, c10, wday, cday = self._orders.get(api_key, (ten, 0, day, 0))
        c10 = c10 if w10 == ten else 0
        cday = cday if wday == day else 0
        if c10 + 1 > self.orders_per_10s:
            raise BinanceError(
                -1015,
                f"Too many new orders; current limit is {self.orders_per_10s} orders per 10 SECOND.",
                status=429,
                headers={"Retry-After": str(max(1, (ten + 1) * 10 - now // 1000))},
            )
        if cday + 1 > self.orders_per_day:
            raise BinanceError(
                -1015, f"Too many new orders; current limit is {self.orders_per_day} orders per DAY.", 429
            )
        self._orders[api_key] = (ten, c10 + 1, day, cday + 1)
        return c10 + 1, cday + 1

    def reset(self) -> None:
        self._weights.clear()
        self._orders.clear()
