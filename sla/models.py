"""SLA policies, their per-priority targets and business-hours calendar, and the ledger of
warnings and breaches that makes each fire exactly once."""

import datetime as dt
from zoneinfo import available_timezones

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, VersionedModel
from sla.calendar import BusinessCalendar
from sla.choices import Metric, NotificationKind, SlaState, Weekday


def _default_work_days() -> list[int]:
    return [0, 1, 2, 3, 4]


class SlaPolicy(TimeStampedModel, VersionedModel):
    """Targets per priority, measured in one business-hours calendar."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_default = models.BooleanField(
        _("default policy"), default=False, help_text=_("Used for services without a policy.")
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Stockholm")
    always_on = models.BooleanField(
        _("24×7"), default=False, help_text=_("Every hour counts; hours and holidays ignored.")
    )
    work_days = models.JSONField(_("working days"), default=_default_work_days)
    work_start = models.TimeField(_("work starts"), default=dt.time(8, 0))
    work_end = models.TimeField(_("work ends"), default=dt.time(17, 0))
    break_start = models.TimeField(_("break starts"), null=True, blank=True)
    break_end = models.TimeField(_("break ends"), null=True, blank=True)
    holiday_country = models.CharField(
        _("public holidays of"),
        max_length=8,
        blank=True,
        default="SE",
        help_text=_("ISO country code, e.g. SE; empty for none."),
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="sla_one_default_policy",
            ),
            models.CheckConstraint(
                condition=models.Q(work_start__lt=models.F("work_end")),
                name="sla_work_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sla:policy_detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.time_zone not in available_timezones():
            errors["time_zone"] = _("Unknown time zone.")
        days = self.work_days if isinstance(self.work_days, list) else None
        if days is None or not all(isinstance(d, int) and d in Weekday.values for d in days):
            errors["work_days"] = _("Give the working days as numbers 0 (Monday) to 6.")
        if self.work_start and self.work_end and self.work_start >= self.work_end:
            errors["work_end"] = _("Work must end after it starts.")
        if (self.break_start is None) != (self.break_end is None):
            errors["break_end"] = _("Give both ends of the break, or neither.")
        elif self.break_start and not (
            self.work_start < self.break_start < self.break_end < self.work_end
        ):
            errors["break_start"] = _("The break must lie inside working hours.")
        if errors:
            raise ValidationError(errors)

    @property
    def calendar(self) -> BusinessCalendar:
        """The policy's business-hours calendar for the SLA maths."""
        if self.always_on:
            return BusinessCalendar.always()
        lunch = (self.break_start, self.break_end) if self.break_start and self.break_end else None
        return BusinessCalendar.office(
            tz=self.time_zone,
            start=self.work_start,
            end=self.work_end,
            days=tuple(sorted(set(self.work_days))),
            lunch=lunch,
            holiday_country=self.holiday_country or None,
        )

    @property
    def work_days_display(self) -> str:
        labels = dict(Weekday.choices)
        return ", ".join(str(labels[d]) for d in sorted(self.work_days) if d in labels)


class SlaTarget(models.Model):
    """Response and resolution targets of one policy for one priority (P1–P5)."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.PositiveSmallIntegerField(_("priority"))
    response_minutes = models.PositiveIntegerField(_("response target (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution target (minutes)"))

    class Meta:
        ordering = ["policy", "priority"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="sla_target_per_priority"),
            models.CheckConstraint(
                condition=models.Q(priority__gte=1, priority__lte=5), name="sla_priority_1_to_5"
            ),
            models.CheckConstraint(
                condition=models.Q(response_minutes__gt=0, resolution_minutes__gt=0),
                name="sla_targets_positive",
            ),
        ]

    def __str__(self) -> str:
        return "{policy} P{priority}".format(policy=self.policy, priority=self.priority)


class SlaNotification(models.Model):
    """A warning or breach that has fired for one record's clock; unique, so never twice."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    metric = models.CharField(max_length=16, choices=Metric.choices)
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    threshold = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "metric", "kind", "threshold"],
                name="sla_notification_once",
            )
        ]

    def __str__(self) -> str:
        return "{kind} {metric} {ct}:{id}".format(
            kind=self.kind, metric=self.metric, ct=self.content_type_id, id=self.object_id
        )


class SlaTrackedMixin(models.Model):
    """Clock columns a record carries; the process app computes them."""

    sla_policy = models.ForeignKey(
        SlaPolicy, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    response_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    sla_state = models.CharField(
        max_length=16, choices=SlaState.choices, default=SlaState.NONE, db_index=True
    )

    class Meta:
        abstract = True
