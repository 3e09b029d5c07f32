"""Bearer API tokens (`Authorization: Bearer dsk_…`) with their scope enforced.

The scope is checked here as well as by TokenScopePermission, so a view that sets its own
permission classes still cannot be reached with a token of the wrong scope.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission

from integrations.models import ApiToken, TokenScope
from integrations.services import TOKEN_PREFIX, token_authenticate


def token_scope_refusal(token: ApiToken, method: str, view: object) -> str | None:
    """Why this token may not make this request, or None when it may."""
    integration_endpoint = getattr(view, "integration_endpoint", False)
    if token.scope == TokenScope.INTEGRATION:
        if not integration_endpoint:
            return str(_("This token is for the integration endpoints only."))
        return None
    if integration_endpoint:
        return str(_("The integration endpoints need an integration token."))
    if token.scope == TokenScope.READ and method not in SAFE_METHODS:
        return str(_("This token may only read (GET)."))
    return None


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the header as: Authorization: Bearer <token>."), code="token_malformed"
            )
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                _("The token is not valid."), code="token_invalid"
            ) from None
        if not raw.startswith(TOKEN_PREFIX):
            return None  # not one of ours (e.g. an OAuth proxy's); other authenticators decide
        token = token_authenticate(raw=raw)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(
                _("The token is not valid or was revoked."), code="token_invalid"
            )
        if token.integration_id and not token.integration.is_active:
            raise exceptions.AuthenticationFailed(
                _("This integration is switched off."), code="integration_inactive"
            )
        view = (getattr(request, "parser_context", None) or {}).get("view")
        refusal = token_scope_refusal(token, request.method, view)
        if refusal:
            raise exceptions.PermissionDenied(refusal, code="token_scope")
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class TokenScopePermission(BasePermission):
    """Read tokens only read; integration tokens reach only integration endpoints."""

    code = "token_scope"

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        refusal = token_scope_refusal(token, request.method, view)
        if refusal:
            self.message = refusal
            return False
        return True


class IntegrationTokenRequired(BasePermission):
    """Only an integration's token (integration scope) reaches an integration endpoint."""

    message = _("Use an integration token (Authorization: Bearer …).")
    code = "integration_token_required"

    def has_permission(self, request, view):
        token = request.auth
        return (
            isinstance(token, ApiToken)
            and token.scope == TokenScope.INTEGRATION
            and token.integration_id is not None
        )


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (dsk_…) from the API tokens page; its scope limits it.",
        }
