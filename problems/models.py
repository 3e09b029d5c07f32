"""Problems (DOMAIN §4): the causes behind incidents, their analysis and known errors."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.choices import Scope
from core.models import RecordBase, TimelineEntryBase
from incidents.choices import Impact, Priority, Urgency
from problems.choices import ProblemState, RcaMethod, SuggestionStatus
from problems.constants import NUMBER_PREFIX

# The audit rows are read by record (id) and date only: the indexes the record's own fields
# carry are not copied onto them (they cost every write).
HISTORY_UNINDEXED = [
    "number", "opened_at", "state", "known_error", "source_ref", "opened_by", "service",
    "assignment_group", "assignee",
]  # fmt: skip


class Problem(RecordBase):
    """The unknown cause of one or more incidents, until it is found and removed."""

    NUMBER_PREFIX = NUMBER_PREFIX

    state = models.CharField(
        _("state"),
        max_length=32,
        choices=ProblemState.choices,
        default=ProblemState.NEW,
        db_index=True,
    )
    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.PROTECT,
        related_name="problems",
        verbose_name=_("service"),
    )
    cis = models.ManyToManyField(
        "catalog.ConfigurationItem",
        blank=True,
        related_name="problems",
        verbose_name=_("configuration items"),
    )
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Impact.choices, default=3)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency.choices, default=3)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=5)
    category = models.CharField(_("category"), max_length=100, blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    workaround = models.TextField(_("workaround"), blank=True)
    rca_method = models.CharField(
        _("RCA method"), max_length=16, choices=RcaMethod.choices, blank=True
    )
    rca_notes = models.JSONField(
        _("RCA notes"),
        default=list,
        blank=True,
        help_text=_("5 whys: a list of {why, because}; other methods: a list of {heading, text}."),
    )
    known_error = models.BooleanField(_("known error"), default=False, db_index=True)
    known_error_published_at = models.DateTimeField(
        _("published as known error"), null=True, blank=True
    )
    resolution_notes = models.TextField(_("resolution notes"), blank=True)
    no_change_reason = models.TextField(
        _("resolved without a change because"),
        blank=True,
        help_text=_("A problem is resolved by a change unless you say why not."),
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    assignment_group = models.ForeignKey(
        "catalog.SupportGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("assignment group"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems_assigned",
        verbose_name=_("assignee"),
    )
    pdca_scope = models.CharField(
        _("PDCA scope"), max_length=16, choices=Scope.choices, default=Scope.OPERATIONAL
    )
    source_ref = models.CharField(
        _("source reference"),
        max_length=100,
        blank=True,
        db_index=True,
        help_text=_("The problem's id in the system it was imported from."),
    )
    history = HistoricalRecords(excluded_fields=["updated_at"], no_db_index=HISTORY_UNINDEXED)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        indexes = [
            models.Index(fields=["state", "-opened_at"], name="prb_state_opened_idx"),
            models.Index(fields=["service", "known_error"], name="prb_service_ke_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(known_error=False)
                | models.Q(known_error_published_at__isnull=False),
                name="prb_known_error_has_date",
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("problems:problem_detail", args=[self.number])


class ProblemIncident(models.Model):
    """An incident caused by a problem; an incident belongs to at most one problem."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="incident_links")
    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="problem_link"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["linked_at", "pk"]

    def __str__(self) -> str:
        return "{p} ← {i}".format(p=self.problem_id, i=self.incident_id)


class ProblemComment(TimelineEntryBase):
    """A comment or work note on a problem."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="comments")

    class Meta(TimelineEntryBase.Meta):
        pass


class SuggestedProblem(models.Model):
    """A cluster of similar incidents without an open problem, found by detection.

    One row per (service, category, CI) key: dismissal is remembered with the count it had,
    so the same cluster returns only when it has grown by the detection threshold again.
    """

    key = models.CharField(max_length=200, unique=True, help_text="service:category:ci")
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=100, blank=True)
    ci = models.ForeignKey(
        "catalog.ConfigurationItem",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        max_length=16,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.OPEN,
        db_index=True,
    )
    incident_count = models.PositiveIntegerField(default=0)
    dismissed_count = models.PositiveIntegerField(default=0)
    first_opened_at = models.DateTimeField()
    last_opened_at = models.DateTimeField()
    detected_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    problem = models.ForeignKey(
        Problem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-incident_count", "pk"]

    def __str__(self) -> str:
        return "{s} / {c} ({n})".format(
            s=self.service_id, c=self.category or self.ci_id, n=self.incident_count
        )
