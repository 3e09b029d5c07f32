"""Change enablement (DOMAIN §5): changes, standard templates, CAB approvals, freeze windows,
and the links to the incidents a change caused."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from changes.choices import ChangeState, ChangeType, Decision, Outcome, Risk
from changes.constants import NUMBER_PREFIX
from core.choices import Scope
from core.models import RecordBase, TimelineEntryBase, TimeStampedModel, VersionedModel
from incidents.choices import Impact

LEVELS = Impact.choices  # 1 high … 3 low, like incident impact and urgency


class ChangeTemplate(TimeStampedModel, VersionedModel):
    """A pre-approved standard change: agents instantiate it; it skips authorisation."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.PROTECT,
        related_name="change_templates",
        verbose_name=_("service"),
    )
    implementation_plan = models.TextField(_("implementation plan"))
    backout_plan = models.TextField(_("backout plan"))
    test_plan = models.TextField(_("test plan"))
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Retired templates cannot be used.")
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("standard change template")
        verbose_name_plural = _("standard change templates")

    def __str__(self) -> str:
        return self.name


# The audit rows are read by record (id) and date only: the indexes the record's own fields
# carry are not copied onto them (they cost every write).
HISTORY_UNINDEXED = [
    "number", "opened_at", "state", "opened_by", "template", "service", "assignment_group",
    "assignee", "approver_group", "fixes_problem",
]  # fmt: skip


class Change(RecordBase):
    """A controlled addition, modification or removal that could affect a service."""

    NUMBER_PREFIX = NUMBER_PREFIX

    state = models.CharField(
        _("state"),
        max_length=32,
        choices=ChangeState.choices,
        default=ChangeState.DRAFT,
        db_index=True,
    )
    change_type = models.CharField(
        _("type"), max_length=16, choices=ChangeType.choices, default=ChangeType.NORMAL
    )
    template = models.ForeignKey(
        ChangeTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("template"),
    )
    reason = models.TextField(_("reason for the change"), blank=True)
    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.PROTECT,
        related_name="changes",
        verbose_name=_("service"),
    )
    cis = models.ManyToManyField(
        "catalog.ConfigurationItem",
        blank=True,
        related_name="changes",
        verbose_name=_("configuration items"),
    )
    impact = models.PositiveSmallIntegerField(_("impact"), choices=LEVELS, null=True, blank=True)
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood of failure"), choices=LEVELS, null=True, blank=True
    )
    risk = models.CharField(_("risk"), max_length=8, choices=Risk.choices, blank=True)
    implementation_plan = models.TextField(_("implementation plan"), blank=True)
    backout_plan = models.TextField(_("backout plan"), blank=True)
    test_plan = models.TextField(_("test plan"), blank=True)
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True)
    planned_end = models.DateTimeField(_("planned end"), null=True, blank=True)
    actual_start = models.DateTimeField(_("actual start"), null=True, blank=True)
    actual_end = models.DateTimeField(_("actual end"), null=True, blank=True)
    assignment_group = models.ForeignKey(
        "catalog.SupportGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("assignment group"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes_assigned",
        verbose_name=_("assignee"),
    )
    approvers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="changes_to_approve",
        verbose_name=_("approvers"),
    )
    approver_group = models.ForeignKey(
        "catalog.SupportGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approver group (CAB)"),
    )
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, blank=True)
    review_notes = models.TextField(_("post-implementation review"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    fixes_problem = models.ForeignKey(
        "problems.Problem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fix_changes",
        verbose_name=_("fixes problem"),
    )
    pdca_scope = models.CharField(
        _("PDCA scope"), max_length=16, choices=Scope.choices, default=Scope.OPERATIONAL
    )
    history = HistoricalRecords(excluded_fields=["updated_at"], no_db_index=HISTORY_UNINDEXED)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        indexes = [
            models.Index(fields=["planned_start", "planned_end"], name="chg_window_idx"),
            models.Index(fields=["service", "planned_start"], name="chg_service_window_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_start__isnull=True)
                | models.Q(planned_end__isnull=True)
                | models.Q(planned_start__lt=models.F("planned_end")),
                name="chg_window_start_before_end",
            ),
            models.CheckConstraint(
                condition=~models.Q(change_type="standard", risk="high"),
                name="chg_standard_not_high_risk",
            ),
        ]
        permissions = [("approve_change", "Can approve or reject changes (CAB)")]

    def get_absolute_url(self) -> str:
        return reverse("changes:change_detail", args=[self.number])


class ChangeApproval(models.Model):
    """One approver's decision on one change."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="change_approvals"
    )
    decision = models.CharField(max_length=16, choices=Decision.choices, default=Decision.PENDING)
    comment = models.TextField(blank=True)
    requested_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    round = models.PositiveIntegerField(
        default=1, help_text="Approval round; a rejection starts a new one."
    )

    class Meta:
        ordering = ["change", "approver_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["change", "approver", "round"], name="chg_one_approval_per_round"
            )
        ]
        indexes = [models.Index(fields=["approver", "decision"], name="chg_approval_queue_idx")]

    def __str__(self) -> str:
        return "{c} {a} {d}".format(c=self.change_id, a=self.approver_id, d=self.decision)


class ChangeComment(TimelineEntryBase):
    """A comment or work note on a change."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="comments")

    class Meta(TimelineEntryBase.Meta):
        pass


class ChangeCausedIncident(models.Model):
    """An incident caused by a change (feeds the change failure rate)."""

    change = models.ForeignKey(
        Change, on_delete=models.CASCADE, related_name="caused_incident_links"
    )
    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="caused_by_change_link"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["linked_at", "pk"]

    def __str__(self) -> str:
        return "{c} → {i}".format(c=self.change_id, i=self.incident_id)


class FreezeWindow(TimeStampedModel):
    """A blackout period: no change may be scheduled inside it unless it is an emergency."""

    name = models.CharField(_("name"), max_length=150)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    services = models.ManyToManyField(
        "catalog.Service",
        blank=True,
        related_name="freeze_windows",
        verbose_name=_("services"),
        help_text=_("Empty: the freeze covers every service."),
    )
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("freeze window")
        verbose_name_plural = _("freeze windows")
        indexes = [models.Index(fields=["start", "end"], name="freeze_window_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="freeze_start_before_end"
            )
        ]

    def __str__(self) -> str:
        return self.name


def _feed_key() -> str:
    import secrets

    return secrets.token_urlsafe(24)


class CalendarFeedKey(models.Model):
    """A person's secret address for the calendar feed; resetting it revokes the old one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_key"
    )
    key = models.CharField(max_length=64, unique=True, default=_feed_key)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar feed key")

    def __str__(self) -> str:
        return "feed key of {u}".format(u=self.user_id)
