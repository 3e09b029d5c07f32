"""A Redis cache that a Redis outage cannot turn into 500s.

The cache holds only what may be lost: API throttle counters and cached fragments. When Redis
does not answer, reads miss and writes are dropped, so the desk keeps answering while the
broker and cache are down (the outbox keeps the work: core.outbox). After a failure the cache
is skipped for RETRY_AFTER seconds, so each request does not wait for a dead server again;
the outage is logged once a minute per process.
"""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_AFTER = 5.0
_state = {"down_until": 0.0, "warned_at": -3600.0}


def _guarded(operation: str, fallback: Any, call: Callable[[], Any]) -> Any:
    now = time.monotonic()
    if now < _state["down_until"]:
        return fallback
    try:
        return call()
    except UNAVAILABLE as error:
        _state["down_until"] = now + RETRY_AFTER
        if now - _state["warned_at"] > 60:
            _state["warned_at"] = now
            logger.warning("cache unavailable (%s): %s; carrying on without it", operation, error)
        return fallback


class ResilientRedisCache(RedisCache):
    """Django's RedisCache; an unreachable server is a miss, not an error."""

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        parent = super()
        return _guarded("get", default, lambda: parent.get(key, default, version))

    def get_many(self, keys: Any, version: int | None = None) -> dict:
        parent = super()
        return _guarded("get_many", {}, lambda: parent.get_many(keys, version))

    def has_key(self, key: Any, version: int | None = None) -> bool:
        parent = super()
        return _guarded("has_key", False, lambda: parent.has_key(key, version))

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None):
        parent = super()
        return _guarded("set", None, lambda: parent.set(key, value, timeout, version))

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None):
        parent = super()
        return _guarded("add", False, lambda: parent.add(key, value, timeout, version))

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list:
        parent = super()
        return _guarded("set_many", list(data), lambda: parent.set_many(data, timeout, version))

    def delete(self, key: Any, version: int | None = None) -> bool:
        parent = super()
        return _guarded("delete", False, lambda: parent.delete(key, version))

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        parent = super()
        return _guarded("touch", False, lambda: parent.touch(key, timeout, version))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        parent = super()
        sentinel = object()
        result = _guarded("incr", sentinel, lambda: parent.incr(key, delta, version))
        if result is sentinel:
            raise ValueError("Key '{key}' not found (cache unavailable)".format(key=key))
        return result
