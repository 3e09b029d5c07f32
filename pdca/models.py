"""The PDCA loop (DOMAIN §6): Plan (strategies), Do (goals in cycles), Check (periodic
reviews with snapshots and findings)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, VersionedModel
from pdca.choices import Direction, GoalStatus, Phase, Trend
from pdca.kpis import CATALOGUE

KPI_CHOICES = [(k.key, k.label) for k in CATALOGUE.values()]


class Strategy(TimeStampedModel, VersionedModel):
    """Plan: a strategy with its vision, objectives, owner, horizon and services."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    vision = models.TextField(_("vision"))
    objectives = models.TextField(_("objectives"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="strategies"
    )
    horizon_start = models.DateField(_("horizon from"))
    horizon_end = models.DateField(_("horizon to"))
    services = models.ManyToManyField("catalog.Service", blank=True, related_name="strategies")
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(horizon_start__lt=models.F("horizon_end")),
                name="strategy_horizon_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Cycle(TimeStampedModel, VersionedModel):
    """A period (e.g. a quarter) under a strategy, reviewed every `review_days`."""

    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="cycles")
    name = models.CharField(_("name"), max_length=150)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    review_days = models.PositiveSmallIntegerField(_("review every (days)"), default=7)
    phase = models.CharField(_("phase"), max_length=8, choices=Phase.choices, default=Phase.PLAN)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-start", "pk"]
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="cycle_start_before_end"
            ),
            models.CheckConstraint(
                condition=models.Q(review_days__gte=1), name="cycle_review_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return "{s}: {n}".format(s=self.strategy, n=self.name)

    def get_absolute_url(self) -> str:
        return reverse("pdca:cycle_detail", args=[self.pk])


class Goal(TimeStampedModel, VersionedModel):
    """Do: a measurable goal — a KPI, a scope, a target and a direction."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="goals")
    name = models.CharField(_("name"), max_length=200)
    kpi = models.CharField(_("KPI"), max_length=40, choices=KPI_CHOICES)
    target = models.FloatField(_("target"))
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    services = models.ManyToManyField("catalog.Service", blank=True, related_name="pdca_goals")
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    aged_days = models.PositiveSmallIntegerField(_("aged after (days)"), default=30)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["cycle", "name", "pk"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self) -> str:
        return self.name


class Review(models.Model):
    """Check: one measurement of a cycle's goals for one period; one per cycle and period."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="reviews")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    created_at = models.DateTimeField()
    on_demand = models.BooleanField(default=False)

    class Meta:
        ordering = ["cycle", "-period_start"]
        constraints = [
            # On-demand reviews are extra looks; they never take a scheduled period's place.
            models.UniqueConstraint(
                fields=["cycle", "period_start"],
                condition=models.Q(on_demand=False),
                name="review_once_per_period",
            )
        ]

    def __str__(self) -> str:
        return "{c} @ {p:%Y-%m-%d}".format(c=self.cycle_id, p=self.period_start)


class GoalSnapshot(models.Model):
    """A goal's value in one review, judged against its target, with the trend."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="snapshots")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="snapshots")
    value = models.FloatField(null=True)
    sample = models.PositiveIntegerField(default=0)
    target = models.FloatField()
    status = models.CharField(max_length=12, choices=GoalStatus.choices)
    trend = models.CharField(max_length=8, choices=Trend.choices, default=Trend.NONE)

    class Meta:
        ordering = ["review", "goal"]
        constraints = [
            models.UniqueConstraint(fields=["review", "goal"], name="snapshot_once_per_goal")
        ]

    def __str__(self) -> str:
        return "{g}: {v}".format(g=self.goal_id, v=self.value)


class Finding(models.Model):
    """Something a review noticed; `strategic` ones go to the managers' strategic queue."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=40)
    text = models.TextField()
    strategic = models.BooleanField(default=False)
    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    url = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["review", "-strategic", "kind", "pk"]

    def __str__(self) -> str:
        return self.text[:60]
