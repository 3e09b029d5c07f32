"""Outbound webhooks: subscriptions to events and the log of every delivery."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.choices import Impact, Urgency

EVENTS = (
    "incident.created",
    "incident.updated",
    "incident.resolved",
    "problem.created",
    "problem.updated",
    "change.created",
    "change.updated",
    "review.completed",
)


def _secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    """A URL that receives signed POSTs for the chosen events ("incident.*" matches a family)."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(
        _("events"), default=list, help_text=_("E.g. incident.created, problem.*")
    )
    secret = models.CharField(_("signing secret"), max_length=100, default=_secret)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return any(
            e == event or (e.endswith(".*") and event.startswith(e[:-1])) for e in self.events
        )


class WebhookDelivery(models.Model):
    """One event sent (or being retried) to one subscription."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=50)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return "{e} → {s}".format(e=self.event, s=self.subscription_id)


# --- API tokens -----------------------------------------------------------------------------


class TokenKind(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    INTEGRATION = "integration", _("Integration")


class TokenScope(models.TextChoices):
    READ = "read", _("Read (GET only)")
    WRITE = "write", _("Read and write")
    INTEGRATION = "integration", _("Integration endpoints only")


class IntegrationKind(models.TextChoices):
    ALERTMANAGER = "alertmanager", _("Prometheus Alertmanager")
    GENERIC = "generic", _("Generic JSON events")


class Integration(models.Model):
    """A monitoring or automation system that talks to the desk with its own tokens.

    It acts as its own service account (`user`), which opens the incidents it raises.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=IntegrationKind.choices, default=IntegrationKind.GENERIC
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="integration",
        verbose_name=_("service account"),
    )
    default_service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("default service"),
        help_text=_("Used when no mapping rule names a service."),
    )
    default_impact = models.PositiveSmallIntegerField(
        _("default impact"), choices=Impact.choices, default=3
    )
    default_urgency = models.PositiveSmallIntegerField(
        _("default urgency"), choices=Urgency.choices, default=3
    )
    resolve_incidents = models.BooleanField(
        _("resolve incidents when the alert resolves"),
        default=True,
        help_text=_("Otherwise a work note records the recovery and people resolve."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A bearer token: `<prefix>.<secret>`; only the prefix and SHA-256 of the secret are kept."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=TokenKind.choices)
    scope = models.CharField(_("scope"), max_length=20, choices=TokenScope.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("acts as"),
    )
    integration = models.ForeignKey(
        Integration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tokens",
        verbose_name=_("integration"),
    )
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="personal", integration__isnull=True, scope__in=["read", "write"])
                | models.Q(kind="integration", integration__isnull=False),
                name="apitoken_kind_matches",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return "{name} ({prefix}…)".format(name=self.name, prefix=self.prefix)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


# --- alerts ---------------------------------------------------------------------------------


class AlertRule(models.Model):
    """Labels → incident fields: when `label` matches `pattern` (a full-match regular
    expression), the set fields apply. Rules run in position order; the first rule that sets
    a field wins it."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="rules", verbose_name=_("integration")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=10)
    label = models.CharField(_("label"), max_length=100, help_text=_("E.g. service, severity"))
    pattern = models.CharField(
        _("value pattern"), max_length=200, help_text=_("A regular expression, e.g. critical|page")
    )
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("service"),
    )  # fmt: skip
    ci = models.ForeignKey(
        "catalog.ConfigurationItem", on_delete=models.CASCADE, null=True, blank=True,
        related_name="+", verbose_name=_("configuration item"),
    )  # fmt: skip
    impact = models.PositiveSmallIntegerField(
        _("impact"), null=True, blank=True, choices=Impact.choices,
    )  # fmt: skip
    urgency = models.PositiveSmallIntegerField(
        _("urgency"), null=True, blank=True, choices=Urgency.choices,
    )  # fmt: skip

    class Meta:
        ordering = ["integration", "position", "pk"]
        verbose_name = _("alert mapping rule")
        verbose_name_plural = _("alert mapping rules")

    def __str__(self) -> str:
        return "{label} ~ {pattern}".format(label=self.label, pattern=self.pattern)


class OpenAlert(models.Model):
    """The one open incident of an alert (integration, fingerprint). The unique constraint is
    what keeps concurrent duplicates from opening a second incident; the row goes away when the
    alert resolves."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=200)
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, null=True, related_name="+"
    )
    labels = models.JSONField(default=dict)
    generator_url = models.CharField(max_length=1000, blank=True)
    fired_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    repeats = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "fingerprint"], name="openalert_one_per_fingerprint"
            )
        ]

    def __str__(self) -> str:
        return self.fingerprint


class AlertEvent(models.Model):
    """One received alert, stored as it came (the webhook answers at once) and processed in
    order per key by a worker: `shard` spreads keys over parallel drainers, one at a time each."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    status = models.CharField(max_length=10)
    shard = models.PositiveSmallIntegerField(default=0)
    data = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, blank=True)
    incident_number = models.CharField(max_length=20, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["integration", "shard", "id"],
                condition=models.Q(processed_at__isnull=True),
                name="alertevent_pending",
            )
        ]

    def __str__(self) -> str:
        return "{key} {status}".format(key=self.key, status=self.status)
