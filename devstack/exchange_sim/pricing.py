"""A seeded, reproducible price process with crypto-like behaviour.

Geometric Brownian motion whose volatility is itself random: a Markov chain of regimes (calm,
normal, trending up/down, turbulent) scales a mean-reverting stochastic volatility, and rare
jumps give the fat tails real crypto returns have. The same seed gives the same path.
"""

from __future__ import annotations

import math
import random

_YEAR_MS = 365 * 24 * 3600 * 1000

# name, volatility multiplier, annual drift, mean duration in minutes
REGIMES: tuple[tuple[str, float, float, float], ...] = (
    ("calm", 0.6, 0.0, 90.0),
    ("normal", 1.0, 0.0, 120.0),
    ("trend_up", 1.2, 1.5, 45.0),
    ("trend_down", 1.3, -1.5, 45.0),
    ("turbulent", 2.5, 0.0, 20.0),
)
_SWITCH_WEIGHTS = (3.0, 4.0, 1.5, 1.5, 1.0)


class PriceProcess:
    """Draws the next price; ``step(dt_ms)`` advances the path by ``dt_ms`` of market time."""

    def __init__(self, price: float, annual_volatility: float, rng: random.Random) -> None:
        self.price = price
        self.base_vol = annual_volatility
        self.rng = rng
        self.regime = 1
        self.log_vol = 0.0  # log of the stochastic volatility factor, mean-reverting to 0

    def _maybe_switch(self, dt_ms: float) -> None:
        duration_ms = REGIMES[self.regime][3] * 60_000
        if self.rng.random() < dt_ms / duration_ms:
            self.regime = self.rng.choices(range(len(REGIMES)), weights=_SWITCH_WEIGHTS)[0]

    def volatility(self) -> float:
        """The annualised volatility in force now."""
        return self.base_vol * REGIMES[self.regime][1] * math.exp(self.log_vol)

    def step(self, dt_ms: float) -> float:
        """The price ``dt_ms`` later."""
        gauss = self.rng.gauss
        self._maybe_switch(dt_ms)
        dt = dt_ms / _YEAR_MS
        # Ornstein-Uhlenbeck on log-vol: half-life of about an hour, vol-of-vol 0.8 per sqrt(hour)
        hours = dt_ms / 3_600_000
        self.log_vol += -0.7 * self.log_vol * hours + 0.8 * math.sqrt(hours) * gauss(0.0, 1.0)
        self.log_vol = max(-1.5, min(1.5, self.log_vol))
        sigma = self.volatility()
        drift = REGIMES[self.regime][2]
        shock = gauss(0.0, 1.0)
        if self.rng.random() < dt_ms / (6 * 3_600_000):  # a jump every ~6 hours on average
            shock += gauss(0.0, 1.0) * 25.0
        self.price *= math.exp((drift - 0.5 * sigma * sigma) * dt + sigma * math.sqrt(dt) * shock)
        return self.price

    def trade_size(self, typical: float) -> float:
        """A lognormal trade size around ``typical``, larger in busier regimes."""
        return typical * REGIMES[self.regime][1] * math.exp(self.rng.gauss(-0.5, 1.0))
