"""Rate limits on token-authenticated calls: a bucket per token in the shared Django cache
(Redis when REDIS_URL is set), 429 with Retry-After and the house error body."""

import threading
import time

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from integrations.api.throttling import CountingRateThrottle
from integrations.models import TokenScope
from integrations.services import token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_rates(monkeypatch, throttle_cache):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "token", "3/min")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "1000/min")


def window_counts(cache, key: str) -> int:
    window = int(time.time() // 60)
    counts = cache.get_many(["{k}:{w}".format(k=key, w=w) for w in (window - 1, window)])
    assert all(type(count) is int for count in counts.values())
    return sum(counts.values())


def bearer(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + secret)
    return client


def test_a_token_over_its_rate_gets_429_with_retry_after(agent, tight_rates, throttle_cache):
    token, secret = token_create(actor=agent, name="r", scope=TokenScope.READ)
    _other, other_secret = token_create(actor=agent, name="r2", scope=TokenScope.READ)
    client = bearer(secret)
    assert [client.get("/api/v1/incidents/").status_code for _ in range(3)] == [200] * 3
    response = client.get("/api/v1/incidents/")
    assert response.status_code == 429
    # at most: the rest of this minute, and a third of the next, when this minute's 3 weigh
    # 2 (test_the_last_minute_counts_its_part_of_the_previous_window has it exactly)
    assert 0 < int(response["Retry-After"]) <= 60 + 20
    body = response.json()
    assert body["type"] == "client_error"
    assert body["errors"][0]["code"] == "throttled"
    # the bucket lives in the shared cache, one per token: a counter per window, and the
    # refused request is not in it
    assert window_counts(throttle_cache, "throttle_token_{pk}".format(pk=token.pk)) == 3
    assert bearer(other_secret).get("/api/v1/incidents/").status_code == 200


def test_session_users_keep_their_own_per_user_limit(agent, api_client, tight_rates):
    _token, secret = token_create(actor=agent, name="r", scope=TokenScope.READ)
    for _ in range(3):
        bearer(secret).get("/api/v1/incidents/")
    assert bearer(secret).get("/api/v1/incidents/").status_code == 429
    assert api_client(agent).get("/api/v1/incidents/").status_code == 200


def test_the_shared_cache_is_redis_when_configured(settings):
    if settings.REDIS_URL:
        assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    else:  # the file cache is shared by every process of one machine
        assert settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache")


class Clocked(CountingRateThrottle):
    """One bucket, 10 a minute, on a clock the test sets."""

    rate = "10/min"
    now_is = 6_000_000.0  # the start of a minute

    def get_cache_key(self, request, view):
        return "throttle_test_clocked"

    def timer(self):
        return self.now_is


def attempts(n: int, at: float) -> list[bool]:
    Clocked.now_is = at
    return [Clocked().allow_request(None, None) for _ in range(n)]


def test_the_last_minute_counts_its_part_of_the_previous_window(throttle_cache):
    start = Clocked.now_is
    assert attempts(12, start + 1) == [True] * 10 + [False] * 2
    refused = Clocked()
    Clocked.now_is = start + 1
    assert refused.allow_request(None, None) is False
    # 10 in this window: the next request fits only once the next window is 10 % old
    assert refused.wait() == 60 - 1 + 6
    # half-way through the next minute, the last one's 10 count for 5: room for 5 more
    assert attempts(6, start + 90) == [True] * 5 + [False]
    # three quarters through: its 10 count for 2.5, this one's 5 → 2 more fit
    assert attempts(3, start + 105) == [True] * 2 + [False]
    # two windows on, the old counts have gone
    assert attempts(11, start + 181) == [True] * 10 + [False]


@pytest.mark.postgres  # CI's PostgreSQL phase, where the cache is Redis: atomic counting
def test_concurrent_requests_in_several_processes_are_all_counted(throttle_cache):
    Clocked.now_is = time.time()
    barrier = threading.Barrier(4)

    def burst():
        barrier.wait()
        for _ in range(5):
            Clocked().allow_request(None, None)

    threads = [threading.Thread(target=burst) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert window_counts(throttle_cache, "throttle_test_clocked") == 10  # 20 tried, 10 refused


def test_a_rate_of_nothing_refuses_with_a_retry_after(throttle_cache, monkeypatch):
    monkeypatch.setattr(Clocked, "rate", "0/min")
    start = Clocked.now_is = 6_000_000.0 + 15
    refused = Clocked()
    assert refused.allow_request(None, None) is False
    assert refused.wait() == 45
    assert attempts(2, start) == [False, False]


def test_counters_keep_their_window_on_a_cache_without_atomic_increments(tmp_path, monkeypatch):
    """The file cache of `make run`: Django's generic incr writes the value back with the
    default timeout (5 min); an hourly counter must not vanish after five minutes."""
    import time_machine
    from django.core.cache.backends.filebased import FileBasedCache

    monkeypatch.setattr(Clocked, "cache", FileBasedCache(str(tmp_path), {}))
    monkeypatch.setattr(Clocked, "rate", "3/hour")
    hour = 1_700_002_800.0  # the start of an hour
    with time_machine.travel(hour + 60, tick=False):
        assert attempts(3, hour + 60) == [True, True, True]
    with time_machine.travel(hour + 20 * 60, tick=False):
        assert attempts(1, hour + 20 * 60) == [False]  # still counted after 19 minutes
