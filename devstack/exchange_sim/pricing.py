"""A seeded, reproducible price process with crypto-like behaviour.

Geometric Brownian motion whose volatility is itself random: a Markov chain of regimes (calm,
normal, trending up/down, turbulent) scales a mean-reverting stochastic volatility, and rare
jumps give the fat tails real crypto returns have. The same seed gives the same path.

A step may be a 250 ms tick or a whole day of history (:mod:`history`): the volatility's
mean reversion is integrated exactly and jumps arrive as a Poisson count with a size of their
own, so a long step has the distribution of many short ones instead of blowing up.
"""

from __future__ import annotations

import math
import random

YEAR_MS = 365 * 24 * 3600 * 1000
# Stationary variance of log_vol (vol-of-vol 0.8, reversion 0.7 per hour): E[exp(2 log_vol)] is
# exp(2 * it), so subtracting it keeps the long-run variance at the symbol's annual volatility
# instead of 2.5 times it (which made 1,000 days of history wander over two orders of magnitude).
_LOG_VOL_VARIANCE = 0.8 * 0.8 / (2 * 0.7)
_JUMP_EVERY_MS = 6 * 3_600_000  # a jump every ~6 hours on average
_JUMP_SIZE = 0.01  # a jump's log-size, in units of the annualised volatility in force

# name, volatility multiplier, annual drift, mean duration in minutes
REGIMES: tuple[tuple[str, float, float, float], ...] = (
    ("calm", 0.6, 0.0, 90.0),
    ("normal", 1.0, 0.0, 120.0),
    ("trend_up", 1.2, 1.5, 45.0),
    ("trend_down", 1.3, -1.5, 45.0),
    ("turbulent", 2.5, 0.0, 20.0),
)
_SWITCH_WEIGHTS = (3.0, 4.0, 1.5, 1.5, 1.0)
# How much of the time the chain spends in each regime: its weight times its mean duration.
_TIME_SHARES = tuple(weight * regime[3] for weight, regime in zip(_SWITCH_WEIGHTS, REGIMES, strict=True))


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
            # a step longer than the regime lasts has seen the chain mix: the regime in force over
            # it is drawn by time share, or turbulence (20 min) would rule 1 day in 11
            weights = _TIME_SHARES if dt_ms >= duration_ms else _SWITCH_WEIGHTS
            self.regime = self.rng.choices(range(len(REGIMES)), weights=weights)[0]

    def volatility(self) -> float:
        """The annualised volatility in force now."""
        return self.base_vol * REGIMES[self.regime][1] * math.exp(self.log_vol - _LOG_VOL_VARIANCE)

    def step(self, dt_ms: float) -> float:
        """The price ``dt_ms`` later."""
        gauss = self.rng.gauss
        self._maybe_switch(dt_ms)
        dt = dt_ms / YEAR_MS
        # Ornstein-Uhlenbeck on log-vol (exact for any step): half-life of about an hour,
        # vol-of-vol 0.8 per sqrt(hour)
        decay = math.exp(-0.7 * dt_ms / 3_600_000)
        self.log_vol = self.log_vol * decay + math.sqrt(_LOG_VOL_VARIANCE * (1.0 - decay * decay)) * gauss(0.0, 1.0)
        self.log_vol = max(-1.5, min(1.5, self.log_vol))
        sigma = self.volatility()
        drift = REGIMES[self.regime][2]
        move = (drift - 0.5 * sigma * sigma) * dt + sigma * math.sqrt(dt) * gauss(0.0, 1.0)
        jumps = self._jumps(dt_ms)
        if jumps:
            move += _JUMP_SIZE * sigma * math.sqrt(jumps) * gauss(0.0, 1.0)
        self.price *= math.exp(move)
        return self.price

    def _jumps(self, dt_ms: float) -> int:
        """How many jumps happen in ``dt_ms`` (Poisson; one uniform draw when there are none)."""
        floor = math.exp(-dt_ms / _JUMP_EVERY_MS)
        count, product = 0, self.rng.random()
        while product > floor:
            count += 1
            product *= self.rng.random()
        return count

    def trade_size(self, typical: float) -> float:
        """A lognormal trade size around ``typical``, larger in busier regimes."""
        return typical * REGIMES[self.regime][1] * math.exp(self.rng.gauss(-0.5, 1.0))
