"""Integration reads: the tokens and integrations a user may see."""

from typing import Any

from django.db.models import Count, Q, QuerySet

from integrations.models import AlertEvent, AlertRule, ApiToken, Integration, TokenKind

MANAGE_INTEGRATIONS = "integrations.change_integration"


def tokens_visible(*, actor: Any) -> QuerySet[ApiToken]:
    """The actor's personal tokens, and every integration token for those who manage them."""
    mine = Q(kind=TokenKind.PERSONAL, user_id=actor.pk)
    if actor.has_perm(MANAGE_INTEGRATIONS):
        mine |= Q(kind=TokenKind.INTEGRATION)
    return (
        ApiToken.objects.filter(mine)
        .select_related("integration", "user", "created_by")
        .order_by("-created_at", "-pk")
    )


def integration_list() -> QuerySet[Integration]:
    return (
        Integration.objects.select_related("default_service", "user")
        .annotate(
            rule_count=Count("rules", distinct=True),
            token_count=Count("tokens", filter=Q(tokens__revoked_at__isnull=True), distinct=True),
        )
        .order_by("name", "pk")
    )


def integration_rules(*, integration_id: int) -> QuerySet[AlertRule]:
    return AlertRule.objects.filter(integration_id=integration_id).select_related("service", "ci")


def integration_recent_alerts(*, integration_id: int, limit: int = 20) -> list[AlertEvent]:
    return list(AlertEvent.objects.filter(integration_id=integration_id).order_by("-pk")[:limit])
