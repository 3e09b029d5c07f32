"""Rate limits on the shared cache: per API token (its scope picks the rate), per user for
sessions and legacy tokens, per address for anonymous calls. DRF answers 429 with
Retry-After in the house error format."""

from rest_framework.throttling import SimpleRateThrottle
from rest_framework.throttling import UserRateThrottle as DrfUserRateThrottle

from integrations.models import ApiToken, TokenScope


class ApiTokenRateThrottle(SimpleRateThrottle):
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


class UserRateThrottle(DrfUserRateThrottle):
    """DRF's per-user limit, for requests not made with an API token (those have their own)."""

    def allow_request(self, request, view):
        if isinstance(request.auth, ApiToken):
            return True
        return super().allow_request(request, view)
