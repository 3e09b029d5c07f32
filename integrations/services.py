"""Integration writes: outbound webhooks (fan-out, signed delivery), API tokens, integrations
and their label mapping rules, and inbound alerts turned into incidents."""

import hashlib
import hmac
import json
import logging
import re
import secrets
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError, NotFound, PermissionDenied
from core.models import TimelineKind
from core.outbox import outbox_enqueue
from core.params import id_param
from incidents.choices import ContactChannel, IncidentState, ResolutionCode
from incidents.models import Incident
from incidents.selectors import OPEN_STATES
from incidents.services import incident_comment_add, incident_create, incident_transition
from integrations.models import (
    AlertEvent,
    AlertRule,
    ApiToken,
    Integration,
    OpenAlert,
    TokenKind,
    TokenScope,
    WebhookDelivery,
    WebhookSubscription,
)
from integrations.signing import webhook_signature

logger = logging.getLogger(__name__)

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
    for name in INTEGRATION_FIELDS:
        if name in data:
            setattr(integration, name, data[name])
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
    rule = id_param(rule_id)
    if rule is not None:
        AlertRule.objects.filter(integration_id=integration_id, pk=rule).delete()


# --- inbound alerts -------------------------------------------------------------------------

FIRING = "firing"
RESOLVED = "resolved"


@dataclass(frozen=True)
class AlertIn:
    """One alert as any source reports it, keyed by `key` (Alertmanager: the fingerprint)."""

    key: str
    status: str
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    title: str = ""
    description: str = ""
    url: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    source: str = ""


@dataclass
class AlertOutcome:
    key: str
    outcome: str  # created | noted | resolved | ignored
    incident: str | None = None


def _mapped_fields(integration: Integration, rules: list[AlertRule], labels: dict) -> dict:
    """The incident fields the first matching rules set, over the integration's defaults."""
    chosen: dict[str, Any] = {}
    for rule in rules:
        value = labels.get(rule.label)
        if value is None or not _rule_matches(rule.pattern, value):
            continue
        for name in ("service", "ci", "impact", "urgency"):
            if getattr(rule, name + ("_id" if name in ("service", "ci") else "")) is not None:
                chosen.setdefault(name, getattr(rule, name))
    return {
        "service": chosen.get("service") or integration.default_service,
        "impact": chosen.get("impact") or integration.default_impact,
        "urgency": chosen.get("urgency") or integration.default_urgency,
        "cis": [chosen["ci"]] if chosen.get("ci") else [],
        "matched": bool(chosen),
    }


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _rule_matches(pattern: str, value: str) -> bool:
    compiled = _compiled(pattern)
    return compiled is not None and compiled.fullmatch(value) is not None


def _when(stamp: datetime | None) -> str:
    return stamp.isoformat() if stamp else "–"


def _alert_title(alert: AlertIn) -> str:
    if alert.title:
        return alert.title[:200]
    name = alert.labels.get("alertname", "") or alert.key
    summary = alert.annotations.get("summary", "")
    return ("{name}: {summary}".format(name=name, summary=summary) if summary else name)[:200]


def _alert_details(alert: AlertIn) -> str:
    lines = []
    text = alert.description or alert.annotations.get("description", "")
    if text:
        lines += [text, ""]
    for key, value in sorted(alert.annotations.items()):
        if key != "description":
            lines.append("{k}: {v}".format(k=key, v=value))
    if alert.labels:
        lines.append(
            str(_("Labels: {labels}")).format(
                labels=", ".join(
                    "{k}={v}".format(k=k, v=v) for k, v in sorted(alert.labels.items())
                )
            )
        )
    lines.append(str(_("Started: {when}")).format(when=_when(alert.starts_at)))
    if alert.url:
        lines.append(str(_("Source: {url}")).format(url=alert.url))
    lines.append(str(_("Alert key: {key}")).format(key=alert.key))
    return "\n".join(lines)


def _alert_fire(
    integration: Integration, rules: list[AlertRule], alert: AlertIn, now: datetime
) -> AlertOutcome:
    actor = integration.user
    lookup = {"integration": integration, "fingerprint": alert.key}
    row = OpenAlert.objects.select_for_update().filter(**lookup).first()
    if row is None:
        try:
            with transaction.atomic():  # the unique row claims the alert; a twin waits here
                row = OpenAlert.objects.create(
                    **lookup, labels=alert.labels, generator_url=alert.url[:1000], fired_at=now,
                    last_seen_at=now,
                )  # fmt: skip
        except IntegrityError:
            row = OpenAlert.objects.select_for_update().get(**lookup)
    incident = (
        Incident.objects.filter(pk=row.incident_id, state__in=OPEN_STATES).first()
        if row.incident_id
        else None
    )
    if incident is None:
        mapped = _mapped_fields(integration, rules, alert.labels)
        description = _alert_details(alert)
        if not mapped["matched"] and rules:
            description += "\n" + str(_("No mapping rule matched; the defaults were used."))
        if row.incident_id:
            description += "\n" + str(
                _("An earlier incident for this alert was resolved or closed while it kept firing.")
            )
        incident = incident_create(
            actor=actor,
            data={
                "title": _alert_title(alert),
                "description": description,
                "service": mapped["service"],
                "impact": mapped["impact"],
                "urgency": mapped["urgency"],
                "cis": mapped["cis"],
                "contact_channel": ContactChannel.MONITORING,
            },
            now=now,
        )
        row.incident = incident
        row.repeats = 0
        row.fired_at = row.last_seen_at = now
        row.labels = alert.labels or row.labels
        if alert.url:
            row.generator_url = alert.url[:1000]
        row.save()
        return AlertOutcome(alert.key, "created", incident.number)
    row.repeats += 1
    row.last_seen_at = now
    if alert.url:  # a later message without a URL never blanks the one we have
        row.generator_url = alert.url[:1000]
    row.save(update_fields=["repeats", "last_seen_at", "generator_url"])
    incident_comment_add(
        actor=actor,
        incident=incident.pk,
        body=str(_("Alert still firing ({source}, repeat {n}): {title}")).format(
            source=alert.source or integration.name, n=row.repeats, title=_alert_title(alert)
        ),
        kind=TimelineKind.WORK_NOTE,
        now=now,
    )
    return AlertOutcome(alert.key, "noted", incident.number)


def _alert_resolve(integration: Integration, alert: AlertIn, now: datetime) -> AlertOutcome:
    actor = integration.user
    row = (
        OpenAlert.objects.select_for_update()
        .filter(integration=integration, fingerprint=alert.key)
        .first()
    )
    if row is None:
        return AlertOutcome(alert.key, "ignored")
    incident = Incident.objects.filter(pk=row.incident_id).first()
    row.delete()
    if incident is None or not incident.is_open:
        return AlertOutcome(alert.key, "ignored", incident.number if incident else None)
    note = str(_("Alert resolved at {when} ({source}).")).format(
        when=_when(alert.ends_at or now), source=alert.source or integration.name
    )
    if integration.resolve_incidents and incident.state in (
        IncidentState.NEW,
        IncidentState.IN_PROGRESS,
    ):
        incident_transition(
            actor=actor,
            incident=incident.pk,
            name="resolve",
            expected_version=None,
            data={"resolution_code": ResolutionCode.OTHER, "resolution_notes": note},
            now=now,
        )
    else:
        incident_comment_add(
            actor=actor, incident=incident.pk, body=note, kind=TimelineKind.WORK_NOTE, now=now
        )
    return AlertOutcome(alert.key, "resolved", incident.number)


def alerts_receive(
    *, integration: Integration, alerts: list[AlertIn], now: datetime | None = None
) -> list[AlertOutcome]:
    """Act on each alert by its own status and key, each in its own transaction: firing with
    no open incident opens one; a repeat adds a work note to it (never a second incident, also
    under concurrent duplicates: one OpenAlert row per key, locked); resolved resolves it (or
    notes the recovery, as the integration says) and forgets the key. Stored fields are never
    blanked by a later message that leaves them empty."""
    now = now or timezone.now()
    rules = list(AlertRule.objects.filter(integration=integration).order_by("position", "pk"))
    outcomes = []
    for alert in alerts:
        with transaction.atomic():
            if alert.status == RESOLVED:
                outcomes.append(_alert_resolve(integration, alert, now))
            else:
                outcomes.append(_alert_fire(integration, rules, alert, now))
    return outcomes


# --- the alert inbox: answer at once, process in order per key --------------------------------

SHARDS = 4
DRAIN_LOCK_SECONDS = 120
DRAIN_BUDGET_SECONDS = 50


def alert_shard(key: str) -> int:
    return zlib.crc32(key.encode()) % SHARDS


def _alert_data(alert: AlertIn) -> dict[str, Any]:
    return {
        "labels": alert.labels,
        "annotations": alert.annotations,
        "title": alert.title,
        "description": alert.description,
        "url": alert.url,
        "starts_at": alert.starts_at.isoformat() if alert.starts_at else None,
        "ends_at": alert.ends_at.isoformat() if alert.ends_at else None,
        "source": alert.source,
    }


def _alert_from(event: AlertEvent) -> AlertIn:
    data = event.data
    return AlertIn(
        key=event.key,
        status=event.status,
        labels=data.get("labels") or {},
        annotations=data.get("annotations") or {},
        title=data.get("title", ""),
        description=data.get("description", ""),
        url=data.get("url", ""),
        starts_at=parse_datetime(data["starts_at"]) if data.get("starts_at") else None,
        ends_at=parse_datetime(data["ends_at"]) if data.get("ends_at") else None,
        source=data.get("source", ""),
    )


def alerts_store(*, integration: Integration, alerts: list[AlertIn]) -> list[AlertEvent]:
    """Keep the received alerts (one INSERT) for the workers; returns the stored events.
    Call inside the request's transaction; the caller queues the processing on commit."""
    now = timezone.now()
    return AlertEvent.objects.bulk_create(
        AlertEvent(
            integration=integration, key=alert.key, status=alert.status,
            shard=alert_shard(alert.key), data=_alert_data(alert), received_at=now,
        )
        for alert in alerts
    )  # fmt: skip


def alerts_process(*, integration_id: int, shard: int, budget: float = DRAIN_BUDGET_SECONDS) -> int:
    """Drain one shard of an integration's inbox in arrival order, each alert in its own
    transaction; one drainer per shard at a time (a lock in the shared cache), so a key's
    firing and resolving are never processed out of order. Returns how many were processed;
    -1 when the budget ran out with events left (the caller queues another run)."""
    lock = "alerts-drain-{i}-{s}".format(i=integration_id, s=shard)
    if not cache.add(lock, 1, DRAIN_LOCK_SECONDS):
        return 0  # another drainer is on it and will see these events too
    done = 0
    started = time.monotonic()
    try:
        integration = (
            Integration.objects.select_related("user", "default_service")
            .filter(pk=integration_id)
            .first()
        )
        if integration is None:
            return 0
        rules = list(AlertRule.objects.filter(integration=integration).order_by("position", "pk"))
        while True:
            events = list(
                AlertEvent.objects.filter(
                    integration_id=integration_id, shard=shard, processed_at__isnull=True
                ).order_by("pk")[:100]
            )
            if not events:
                return done
            for event in events:
                if time.monotonic() - started > budget:
                    return -1
                _event_process(integration, rules, event)
                done += 1
    finally:
        cache.delete(lock)


def _event_process(integration: Integration, rules: list[AlertRule], event: AlertEvent) -> None:
    alert = _alert_from(event)
    try:
        with transaction.atomic():
            if alert.status == RESOLVED:
                outcome = _alert_resolve(integration, alert, timezone.now())
            else:
                outcome = _alert_fire(integration, rules, alert, timezone.now())
            AlertEvent.objects.filter(pk=event.pk).update(
                processed_at=timezone.now(),
                outcome=outcome.outcome,
                incident_number=outcome.incident or "",
            )
    except (DomainError, DjangoValidationError) as err:
        # A rule refused it (e.g. a retired mapped service): kept with the reason, not retried.
        logger.error("alert %s of %s refused: %s", event.key, integration, err)
        AlertEvent.objects.filter(pk=event.pk).update(
            processed_at=timezone.now(), outcome="error", error=str(err)[:2000]
        )


def alerts_pending() -> list[tuple[int, int]]:
    """(integration, shard) pairs with unprocessed events: what the periodic sweep drains."""
    return list(
        AlertEvent.objects.filter(processed_at__isnull=True)
        .values_list("integration_id", "shard")
        .distinct()
        .order_by("integration_id", "shard")
    )


EVENT_RETENTION = timedelta(days=7)


def alert_events_purge(*, now: datetime | None = None) -> int:
    """Forget processed alerts after a week (at most hourly; the sweep calls it)."""
    if not cache.add("alerts-purge", 1, 3600):
        return 0
    cutoff = (now or timezone.now()) - EVENT_RETENTION
    deleted, _rows = AlertEvent.objects.filter(
        received_at__lt=cutoff, processed_at__isnull=False
    ).delete()
    return deleted
