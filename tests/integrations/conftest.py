"""A throttle cache of the configured kind (Redis or files) that other test workers' cache
clearing cannot reach: the rate tests count requests, so a FLUSHDB in between would reset them."""

import os
import uuid

import pytest
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import SimpleRateThrottle


@pytest.fixture
def throttle_cache(settings, tmp_path, monkeypatch):
    prefix = "throttle-test-{w}-{u}".format(
        w=os.environ.get("PYTEST_XDIST_WORKER", "main"), u=uuid.uuid4().hex
    )
    if settings.REDIS_URL:
        base = settings.REDIS_URL.rsplit("/", 1)[0]
        cache = RedisCache(base + "/8", {"KEY_PREFIX": prefix})
    else:
        cache = FileBasedCache(str(tmp_path / "throttle"), {"KEY_PREFIX": prefix})
    monkeypatch.setattr(SimpleRateThrottle, "cache", cache)
    yield cache
    if not settings.REDIS_URL:
        cache.clear()
