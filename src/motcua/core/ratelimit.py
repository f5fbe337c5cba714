"""Fixed-window rate limits counted in Django's cache (shared between web nodes with Redis).

A limit is a `Rate` ("10/m": 10 hits a minute). Each (scope, key, period) has one counter per
window of the period, created with `cache.add` and raised with `cache.incr`, both atomic on
Redis and on the local-memory cache; the counter expires with its window. Keys (client IPs,
dossier codes...) are hashed, so any string is a safe cache key.

Used by the public dossier lookup; notifications and feedback can reuse it:

    ratelimit_enforce(scope="lookup", key=client_ip, rates=[Rate.parse("10/m")], message=...)
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

from motcua.core.errors import TooManyRequests

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    """At most `limit` hits per `seconds`."""

    limit: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """ "10/m", "100/d", "5/h", "20/30s" (20 per 30 seconds)."""
        match = _RATE.match(text or "")
        if not match:
            raise ValueError(f"Rate {text!r}: expected count/period, e.g. 10/m, 100/d, 20/30s.")
        limit, multiple, unit = match.groups()
        seconds = int(multiple or 1) * _PERIODS[unit]
        if seconds <= 0:
            raise ValueError(f"Rate {text!r}: the period must be longer than zero.")
        return cls(limit=int(limit), seconds=seconds)


@dataclass(frozen=True)
class RateCheck:
    """One counter after a hit (or a peek): how many so far, and when the window ends."""

    rate: Rate
    count: int
    retry_after: int

    @property
    def exceeded(self) -> bool:
        return self.count > self.rate.limit

    @property
    def exhausted(self) -> bool:
        """No hit left in this window (the next one would exceed)."""
        return self.count >= self.rate.limit


def ratelimit_enabled() -> bool:
    return bool(getattr(settings, "RATELIMIT_ENABLED", True))


def _window(rate: Rate, now: float) -> tuple[int, int]:
    """The window's number and the whole seconds until it ends (at least 1)."""
    number = int(now // rate.seconds)
    remaining = math.ceil((number + 1) * rate.seconds - now)
    return number, max(1, remaining)


def _cache_key(scope: str, key: str, rate: Rate, window: int) -> str:
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"ratelimit:{scope}:{rate.limit}/{rate.seconds}:{digest}:{window}"


def ratelimit_hit(
    *, scope: str, key: str, rate: Rate, now: float | None = None, cache_alias: str = "default"
) -> RateCheck:
    """Count one hit of `key` and return the counter's state."""
    cache = caches[cache_alias]
    now = time.time() if now is None else now
    window, remaining = _window(rate, now)
    cache_key = _cache_key(scope, key, rate, window)
    # The counter outlives its window by a little, so that a slow clock on another node still
    # finds it; a new window uses a new key anyway.
    cache.add(cache_key, 0, timeout=remaining + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=remaining + 5)
        count = 1
    return RateCheck(rate=rate, count=count, retry_after=remaining)


def ratelimit_peek(
    *, scope: str, key: str, rate: Rate, now: float | None = None, cache_alias: str = "default"
) -> RateCheck:
    """The counter's state without counting a hit."""
    now = time.time() if now is None else now
    window, remaining = _window(rate, now)
    count = caches[cache_alias].get(_cache_key(scope, key, rate, window), 0)
    return RateCheck(rate=rate, count=int(count), retry_after=remaining)


def ratelimit_enforce(
    *, scope: str, key: str, rates: Iterable[Rate], message: str, now: float | None = None
) -> None:
    """Count one hit against every rate; raise TooManyRequests when any is exceeded, with the
    longest wait among the exceeded ones. Does nothing when RATELIMIT_ENABLED is off."""
    if not ratelimit_enabled():
        return
    checks = [ratelimit_hit(scope=scope, key=key, rate=rate, now=now) for rate in rates]
    exceeded = [check for check in checks if check.exceeded]
    if exceeded:
        raise TooManyRequests(message, retry_after=max(check.retry_after for check in exceeded))
