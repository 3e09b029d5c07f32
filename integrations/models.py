"""Outbound webhooks: subscriptions to events and the log of every delivery."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
