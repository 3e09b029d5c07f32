"""The PDCA loop (DOMAIN §6): Plan (strategies), Do (goals in cycles), Check (periodic
reviews with snapshots and findings)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, VersionedModel
from pdca.choices import (
    ActionStatus,
    Decision,
    Direction,
    GoalStatus,
    Phase,
    StrategicKind,
    Trend,
    Verdict,
)
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

    def get_absolute_url(self) -> str:
        return reverse("pdca:strategy_edit", args=[self.pk])


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

    def get_absolute_url(self) -> str:
        return reverse("pdca:goal_detail", args=[self.pk])


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

    def get_absolute_url(self) -> str:
        return reverse("pdca:review_print", args=[self.pk])


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
    action = models.ForeignKey(
        "ImprovementAction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="findings",
        help_text="The improvement action that answers this finding (proposed or existing).",
    )

    class Meta:
        ordering = ["review", "-strategic", "kind", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class ImprovementAction(TimeStampedModel, VersionedModel):
    """Act: an entry in the improvement register. Once done, later reviews check whether it
    worked (the goal's KPI before vs after `completed_at`, see `ActionCheck`)."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="pdca_actions",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.PROPOSED
    )
    expected_benefit = models.TextField(_("expected benefit"), blank=True)
    goal = models.ForeignKey(
        Goal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("goal"),
    )
    problem = models.ForeignKey(
        "problems.Problem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pdca_actions",
        verbose_name=_("carried out by problem"),
    )
    change = models.ForeignKey(
        "changes.Change",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pdca_actions",
        verbose_name=_("carried out by change"),
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    source_finding = models.ForeignKey(
        Finding,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source finding"),
    )
    # The latest effectiveness check (copied from the newest ActionCheck).
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices, blank=True)
    verdict_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        indexes = [models.Index(fields=["status", "due_date"], name="pdca_action_status_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(completed_at__isnull=False),
                name="pdca_action_done_has_completed_at",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("pdca:action_detail", args=[self.pk])


class ActionCheck(models.Model):
    """Did a done action work? The goal's KPI over equal windows before and after the
    action's completion, with sample sizes, a test and an honest verdict. One per review."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="action_checks")
    action = models.ForeignKey(ImprovementAction, on_delete=models.CASCADE, related_name="checks")
    window_days = models.PositiveSmallIntegerField()
    before_value = models.FloatField(null=True)
    after_value = models.FloatField(null=True)
    before_n = models.PositiveIntegerField(default=0)
    after_n = models.PositiveIntegerField(default=0)
    test = models.CharField(max_length=40)
    p_value = models.FloatField(null=True)
    verdict = models.CharField(max_length=16, choices=Verdict.choices)

    class Meta:
        ordering = ["action", "-review__period_start", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "action"], name="pdca_check_once_per_review")
        ]

    def __str__(self) -> str:
        return "{a}: {v}".format(a=self.action_id, v=self.verdict)

    @property
    def test_label(self) -> str:
        labels = {
            "mann_whitney_u": _("Mann-Whitney U"),
            "two_proportion_z": _("two-proportion z-test"),
            "poisson_rates": _("Poisson rate comparison"),
            "window_too_short": _("under a week since completion"),
        }
        return str(labels.get(self.test, self.test))


class StrategicItem(models.Model):
    """A question for managers: a record triaged strategic, or a pattern a review escalated.
    Deciding it records the decision and returns it to the line (operational)."""

    kind = models.CharField(_("kind"), max_length=12, choices=StrategicKind.choices)
    title = models.CharField(_("title"), max_length=300)
    reason = models.TextField(_("reason"))
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    problem = models.ForeignKey(
        "problems.Problem", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    change = models.ForeignKey(
        "changes.Change", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, null=True, blank=True, related_name="strategic_items"
    )
    finding = models.ForeignKey(
        Finding, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    raised_at = models.DateTimeField()
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices, blank=True)
    decision_note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    action = models.ForeignKey(
        ImprovementAction, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("strategic item")
        verbose_name_plural = _("strategic items")
        constraints = [
            # One undecided item per subject, whatever reviews and triage do concurrently.
            models.UniqueConstraint(
                fields=["incident"],
                condition=models.Q(decided_at__isnull=True, incident__isnull=False),
                name="pdca_strategic_open_incident",
            ),
            models.UniqueConstraint(
                fields=["problem", "kind"],
                condition=models.Q(decided_at__isnull=True, problem__isnull=False),
                name="pdca_strategic_open_problem",
            ),
            models.UniqueConstraint(
                fields=["change"],
                condition=models.Q(decided_at__isnull=True, change__isnull=False),
                name="pdca_strategic_open_change",
            ),
            models.UniqueConstraint(
                fields=["goal"],
                condition=models.Q(decided_at__isnull=True, goal__isnull=False),
                name="pdca_strategic_open_goal",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("pdca:strategic_detail", args=[self.pk])

    @property
    def record(self):
        return self.incident or self.problem or self.change


class RecordCycle(models.Model):
    """The cycle whose period and scope cover a record (incident, problem or change).

    Set automatically (by reviews and when a cycle is saved) unless `manual`: a manager's
    choice stays. One row per record; lists join it with select_related.
    """

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="record_links")
    incident = models.OneToOneField(
        "incidents.Incident",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pdca_cycle",
    )
    problem = models.OneToOneField(
        "problems.Problem",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pdca_cycle",
    )
    change = models.OneToOneField(
        "changes.Change",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pdca_cycle",
    )
    manual = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(incident__isnull=False, problem__isnull=True, change__isnull=True)
                    | models.Q(incident__isnull=True, problem__isnull=False, change__isnull=True)
                    | models.Q(incident__isnull=True, problem__isnull=True, change__isnull=False)
                ),
                name="pdca_record_cycle_one_record",
            )
        ]

    def __str__(self) -> str:
        return "{r} → {c}".format(
            r=self.incident_id or self.problem_id or self.change_id, c=self.cycle_id
        )
