"""Integration writes: outbound webhooks (fan-out, signed delivery), API tokens, integrations
and their label mapping rules, and inbound alerts turned into incidents."""

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError, NotFound, PermissionDenied
from core.outbox import outbox_enqueue
from integrations.models import (
    AlertRule,
    ApiToken,
    Integration,
    TokenKind,
    TokenScope,
    WebhookDelivery,
    WebhookSubscription,
)
from integrations.signing import webhook_signature

DELIVER_TASK = "integrations.deliver_webhook"
TIMEOUT_SECONDS = 5


@transaction.atomic
def webhook_fan_out(*, event: str, payload: dict[str, Any]) -> list[WebhookDelivery]:
    """Create a delivery per interested subscription and queue each (outbox)."""
    deliveries = [
        WebhookDelivery.objects.create(subscription=s, event=event, payload=payload)
        for s in WebhookSubscription.objects.filter(is_active=True)
        if s.wants(event)
    ]
    for delivery in deliveries:
        outbox_enqueue(DELIVER_TASK, {"delivery_id": delivery.pk})
    return deliveries


def webhook_deliver(*, delivery_id: int) -> bool:
    """POST one delivery; True when the receiver answered 2xx. The request is made outside
    any transaction, so a slow receiver holds no database lock."""
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == WebhookDelivery.Status.DELIVERED:
        return True
    body = json.dumps(
        {"event": delivery.event, "delivery": delivery.pk, "data": delivery.payload},
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
    ).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 - the URL is an administrator's http(s) URLField
        delivery.subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "itsm-service-desk-webhooks/1",
            "X-Desk-Event": delivery.event,
            "X-Desk-Delivery": str(delivery.pk),
            "X-Desk-Timestamp": str(timestamp),
            "X-Desk-Signature": webhook_signature(delivery.subscription.secret, timestamp, body),
        },
    )
    code, error = None, ""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            code = response.status
    except urllib.error.HTTPError as exc:
        code, error = exc.code, "HTTP {code}".format(code=exc.code)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = "{kind}: {detail}".format(kind=type(exc).__name__, detail=exc)[:500]
    ok = code is not None and 200 <= code < 300
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=delivery.attempts + 1,
        last_status_code=code,
        last_error="" if ok else error,
        status=WebhookDelivery.Status.DELIVERED if ok else WebhookDelivery.Status.FAILED,
        delivered_at=timezone.now() if ok else None,
    )
    return ok


@transaction.atomic
def webhook_redeliver(*, delivery_id: int) -> None:
    """Queue a delivery again (the "redeliver" button)."""
    WebhookDelivery.objects.filter(pk=delivery_id).update(status=WebhookDelivery.Status.PENDING)
    outbox_enqueue(DELIVER_TASK, {"delivery_id": delivery_id})


# --- API tokens -----------------------------------------------------------------------------

TOKEN_PREFIX = "dsk_"  # noqa: S105 - a public marker, not a secret
LAST_USED_GRANULARITY = timedelta(minutes=1)
MANAGE_INTEGRATIONS = "integrations.change_integration"


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, actor: Any, name: str, scope: str, integration: Integration | None = None
) -> tuple[ApiToken, str]:
    """Make a token and return it with its plain text, which is never stored and never shown
    again. A personal token acts as the actor (read or write); an integration token acts as
    the integration's service account and needs the right to manage integrations."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("name_required", _("Give the token a name."), field="name")
    if integration is None:
        if scope not in (TokenScope.READ, TokenScope.WRITE):
            raise DomainError(
                "scope_invalid",
                _("A personal token is read or read and write."),
                field="scope",
            )
        kind, user = TokenKind.PERSONAL, actor
    else:
        if not actor.has_perm(MANAGE_INTEGRATIONS):
            raise PermissionDenied()
        if scope not in TokenScope.values:
            raise DomainError("scope_invalid", _("Choose a scope."), field="scope")
        kind, user = TokenKind.INTEGRATION, integration.user
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name[:100],
        kind=kind,
        scope=scope,
        user=user,
        integration=integration,
        prefix=prefix,
        secret_hash=_secret_hash(secret),
        created_by=actor,
    )
    return token, "{p}{prefix}_{secret}".format(p=TOKEN_PREFIX, prefix=prefix, secret=secret)


@transaction.atomic
def token_revoke(*, actor: Any, token_id: int) -> ApiToken:
    """Revoke a token: its owner may revoke a personal one; integration tokens need the right
    to manage integrations. Revoking twice is harmless."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    allowed = token is not None and (
        (token.kind == TokenKind.PERSONAL and token.user_id == actor.pk)
        or (token.kind == TokenKind.INTEGRATION and actor.has_perm(MANAGE_INTEGRATIONS))
    )
    if not allowed:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(*, raw: str, now: Any = None) -> ApiToken | None:
    """The live token for a presented secret, or None. The prefix finds the row; the secret's
    SHA-256 is compared in constant time. Last use is written at most once a minute."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix, _sep, secret = raw[len(TOKEN_PREFIX) :].partition("_")
    if not prefix or not secret or len(prefix) > 16:
        return None
    token = (
        ApiToken.objects.select_related("user", "integration")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _secret_hash(secret)):
        return None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).filter(
            models.Q(last_used_at__isnull=True)
            | models.Q(last_used_at__lte=now - LAST_USED_GRANULARITY)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- integrations ---------------------------------------------------------------------------

INTEGRATION_FIELDS = (
    "name",
    "kind",
    "default_service",
    "default_impact",
    "default_urgency",
    "resolve_incidents",
    "is_active",
)


@transaction.atomic
def integration_create(*, actor: Any, data: dict[str, Any]) -> Integration:
    """Register a monitoring or automation system with its own service account (an agent, so
    it may open, note and resolve incidents)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from catalog.choices import Role

    if not actor.has_perm(MANAGE_INTEGRATIONS):
        raise PermissionDenied()
    name = " ".join(str(data.get("name", "")).split())
    if Integration.objects.filter(name__iexact=name).exists():
        raise DomainError("name_taken", _("An integration with this name exists."), field="name")
    user = get_user_model().objects.create_user(
        username="integration-{n}".format(n=secrets.token_hex(4)),
        first_name=name[:150],
        last_name=str(_("(integration)")),
    )  # no password: it signs in only with its tokens
    user.groups.add(Group.objects.get(name=Role.AGENT))
    integration = Integration(
        user=user, created_by=actor, **{k: v for k, v in data.items() if k in INTEGRATION_FIELDS}
    )
    integration.name = name
    integration.full_clean(exclude=["user", "created_by"])
    integration.save()
    return integration


@transaction.atomic
def integration_update(*, actor: Any, integration_id: int, data: dict[str, Any]) -> Integration:
    if not actor.has_perm(MANAGE_INTEGRATIONS):
        raise PermissionDenied()
    integration = Integration.objects.select_for_update().get(pk=integration_id)
    for field in INTEGRATION_FIELDS:
        if field in data:
            setattr(integration, field, data[field])
    integration.full_clean(exclude=["user", "created_by"])
    integration.save()
    if "name" in data:
        integration.user.first_name = integration.name[:150]
        integration.user.save(update_fields=["first_name"])
    return integration


@transaction.atomic
def alert_rule_create(*, actor: Any, integration_id: int, data: dict[str, Any]) -> AlertRule:
    if not actor.has_perm(MANAGE_INTEGRATIONS):
        raise PermissionDenied()
    fields = ("position", "label", "pattern", "service", "ci", "impact", "urgency")
    rule = AlertRule(
        integration_id=integration_id, **{k: v for k, v in data.items() if k in fields}
    )
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def alert_rule_delete(*, actor: Any, integration_id: int, rule_id: Any) -> None:
    if not actor.has_perm(MANAGE_INTEGRATIONS):
        raise PermissionDenied()
    if str(rule_id).isdigit():
        AlertRule.objects.filter(integration_id=integration_id, pk=int(rule_id)).delete()
