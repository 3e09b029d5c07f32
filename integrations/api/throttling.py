"""Rate limits on the shared cache: per API token (its scope picks the rate), per user for
sessions and legacy tokens, per address for anonymous calls. DRF answers 429 with
Retry-After in the house error format."""

import contextlib
import math

from django.core.cache import cache as default_cache
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import AnonRateThrottle as DrfAnonRateThrottle
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.throttling import UserRateThrottle as DrfUserRateThrottle

from core.cache import guarded
from integrations.models import ApiToken, TokenScope


class CountingRateThrottle(SimpleRateThrottle):
    """DRF's rate throttle, counting instead of listing.

    DRF keeps the timestamp of every request of the window in one cache value, read and
    written back whole by each request: at 1,200/min that list is ~10 KB (an integration
    token at 60,000/min: ~600 KB), and two processes writing it back at once lose each
    other's requests. Here each window of the rate's length has a counter that Redis
    increments atomically (one round trip with reading the previous window's), and the
    previous window counts for the part of it still within the last `duration` seconds
    (a sliding-window estimate). A refused request is not counted. Without Redis (the file
    cache of `make run`) the counters are plain cache values; with Redis down nothing is
    refused, as with DRF's throttle on a cache that misses.
    """

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window, offset = divmod(self.now, self.duration)
        current_key = "{k}:{w}".format(k=self.key, w=int(window))
        previous_key = "{k}:{w}".format(k=self.key, w=int(window) - 1)
        counts = guarded("throttle", None, lambda: self._count(current_key, previous_key))
        if counts is None:
            return True
        counted, previous = counts
        if previous * (1 - offset / self.duration) + counted <= self.num_requests:
            return True
        guarded("throttle", None, lambda: self._take_back(current_key))
        self.wait_seconds = self._wait(counted - 1, previous, offset)
        return self.throttle_failure()

    def _count(self, current_key: str, previous_key: str) -> tuple[int, int]:
        """This request counted in the current window; the counts of both windows."""
        cache = caches["default"] if self.cache is default_cache else self.cache
        if isinstance(cache, RedisCache):
            current = cache.make_and_validate_key(current_key)
            pipe = cache._cache.get_client(current, write=True).pipeline(transaction=False)
            pipe.incr(current)
            pipe.expire(current, 2 * self.duration)
            pipe.get(cache.make_and_validate_key(previous_key))
            counted, _expiry, previous = pipe.execute()
            return int(counted), int(previous or 0)
        if cache.add(current_key, 1, 2 * self.duration):
            counted = 1
        else:
            try:
                counted = cache.incr(current_key)
                # Django's generic incr writes the value back with the default timeout.
                cache.touch(current_key, 2 * self.duration)
            except ValueError:  # expired in between
                cache.set(current_key, 1, 2 * self.duration)
                counted = 1
        return counted, int(cache.get(previous_key) or 0)

    def _take_back(self, current_key: str) -> None:
        """Uncount a refused request (Redis's DECR keeps the key's expiry; the generic
        decr does not, hence the touch)."""
        cache = caches["default"] if self.cache is default_cache else self.cache
        with contextlib.suppress(ValueError):  # expired in between: nothing to take back
            cache.decr(current_key)
            if not isinstance(cache, RedisCache):
                cache.touch(current_key, 2 * self.duration)

    def _wait(self, current: int, previous: int, offset: float) -> float:
        """Seconds until one more request fits: later in this window, as the previous one
        weighs less, or in the next, when this one has become the previous."""
        limit, duration = self.num_requests, self.duration
        if limit == 0:  # nothing ever fits: ask again when this window ends
            seconds = duration - offset
        elif current + 1 <= limit:
            fits_at = duration * (1 - (limit - current - 1) / previous) if previous else offset
            seconds = fits_at - offset
        else:
            seconds = duration - offset + duration * max(0.0, 1 - (limit - 1) / current)
        return max(1, math.ceil(seconds))

    def wait(self):
        return getattr(self, "wait_seconds", None)


class ApiTokenRateThrottle(CountingRateThrottle):
    """One bucket per token: THROTTLE_RATES["token"], or ["integration"] for integration
    tokens."""

    scope = "token"

    def allow_request(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        self.scope = "integration" if token.scope == TokenScope.INTEGRATION else "token"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class UserRateThrottle(CountingRateThrottle, DrfUserRateThrottle):
    """DRF's per-user limit, for requests not made with an API token (those have their own)."""

    def allow_request(self, request, view):
        if isinstance(request.auth, ApiToken):
            return True
        return super().allow_request(request, view)


class AnonRateThrottle(CountingRateThrottle, DrfAnonRateThrottle):
    """DRF's per-address limit for calls without credentials."""
