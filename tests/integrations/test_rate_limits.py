"""Rate limits on token-authenticated calls: a bucket per token in the shared Django cache
(Redis when REDIS_URL is set), 429 with Retry-After and the house error body."""

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from integrations.models import TokenScope
from integrations.services import token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_rates(monkeypatch, throttle_cache):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "token", "3/min")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "1000/min")


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
    assert 0 < int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["type"] == "client_error"
    assert body["errors"][0]["code"] == "throttled"
    # the bucket lives in the shared cache, one per token
    assert len(throttle_cache.get("throttle_token_{pk}".format(pk=token.pk))) == 3
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
