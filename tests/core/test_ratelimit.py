"""Fixed-window rate limits in the cache (core/ratelimit.py)."""

import pytest
from django.core.cache import cache

from motcua.core.errors import TooManyRequests
from motcua.core.ratelimit import Rate, ratelimit_enforce, ratelimit_hit, ratelimit_peek


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ratelimit-tests",
        }
    }
    cache.clear()


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("10/m", Rate(10, 60)),
        ("100/d", Rate(100, 86400)),
        ("5/h", Rate(5, 3600)),
        (" 20 / 30s ", Rate(20, 30)),
    ],
)
def test_rates_read_as_count_per_period(text, rate):
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["", "10", "10/w", "ten/m", "10/0m", "-1/m"])
def test_malformed_rates_are_refused(text):
    with pytest.raises(ValueError):
        Rate.parse(text)


def test_hits_count_within_a_window_and_start_again_in_the_next():
    rate = Rate(3, 60)
    start = 1_800_000_000.0  # a window boundary: a multiple of 60
    counts = [
        ratelimit_hit(scope="t", key="1.2.3.4", rate=rate, now=start + s).count for s in (0, 10, 59)
    ]
    assert counts == [1, 2, 3]
    assert ratelimit_hit(scope="t", key="1.2.3.4", rate=rate, now=start + 60).count == 1


def test_retry_after_is_the_rest_of_the_window():
    rate = Rate(1, 60)
    check = ratelimit_hit(scope="t", key="k", rate=rate, now=1_800_000_000.0 + 45.2)
    assert check.retry_after == 15


def test_keys_and_scopes_count_apart_and_any_string_is_a_key():
    rate = Rate(5, 60)
    for key in ["1.2.3.4", "5.6.7.8", "x" * 10_000, "mã\x00 hồ sơ", "\ud800"]:
        assert ratelimit_hit(scope="a", key=key, rate=rate).count == 1
    assert ratelimit_hit(scope="b", key="1.2.3.4", rate=rate).count == 1


def test_peek_does_not_count():
    rate = Rate(2, 3600)
    ratelimit_hit(scope="t", key="k", rate=rate)
    assert ratelimit_peek(scope="t", key="k", rate=rate).count == 1
    assert ratelimit_peek(scope="t", key="k", rate=rate).count == 1
    assert not ratelimit_peek(scope="t", key="k", rate=rate).exhausted
    ratelimit_hit(scope="t", key="k", rate=rate)
    assert ratelimit_peek(scope="t", key="k", rate=rate).exhausted


def test_enforce_raises_past_any_limit_with_the_longest_wait():
    rates = [Rate(2, 60), Rate(3, 86400)]
    now = 1_800_000_000.0
    for _ in range(2):
        ratelimit_enforce(scope="t", key="k", rates=rates, message="Chậm lại", now=now)
    with pytest.raises(TooManyRequests) as raised:
        ratelimit_enforce(scope="t", key="k", rates=rates, message="Chậm lại", now=now)
    assert raised.value.status == 429
    assert raised.value.retry_after == 60
    # the next minute the minute limit allows one more, then the daily one stops it
    with pytest.raises(TooManyRequests) as raised:
        ratelimit_enforce(scope="t", key="k", rates=rates, message="Chậm lại", now=now + 60)
    assert raised.value.retry_after > 3600


def test_enforce_does_nothing_when_limits_are_off(settings):
    settings.RATELIMIT_ENABLED = False
    for _ in range(5):
        ratelimit_enforce(scope="t", key="k", rates=[Rate(1, 60)], message="Chậm lại")
