"""The incident record (DOMAIN §3) with its timeline and attachments."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.choices import Scope
from core.models import AttachmentBase, RecordBase, TimelineEntryBase
from incidents.choices import (
    ContactChannel,
    HoldReason,
    Impact,
    IncidentState,
    Priority,
    ResolutionCode,
    Urgency,
)
from incidents.constants import NUMBER_PREFIX
from sla.models import SlaTrackedMixin

# The audit rows are read by incident (id) and date only: the indexes the incident's own
# fields carry are not copied onto them (they cost every write and every imported event).
HISTORY_UNINDEXED = [
    "number", "opened_at", "opened_by", "caller", "service", "priority", "assignment_group",
    "assignee", "is_major", "parent", "sla_policy", "response_due_at", "resolution_due_at",
    "resolution_warn_at", "sla_state",
]  # fmt: skip


class Incident(RecordBase, SlaTrackedMixin):
    """An unplanned interruption or reduction in quality of a service."""

    NUMBER_PREFIX = NUMBER_PREFIX

    state = models.CharField(
        _("state"),
        max_length=32,
        choices=IncidentState.choices,
        default=IncidentState.NEW,
        db_index=False,  # covered by inc_state_opened_idx
    )
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="incidents_raised",
        verbose_name=_("caller"),
        db_index=False,  # covered by a composite index that starts with it
    )
    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("service"),
        db_index=False,  # covered by a composite index that starts with it
    )
    cis = models.ManyToManyField(
        "catalog.ConfigurationItem",
        blank=True,
        related_name="incidents",
        verbose_name=_("configuration items"),
    )
    category = models.CharField(_("category"), max_length=100, blank=True)
    subcategory = models.CharField(_("subcategory"), max_length=100, blank=True)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Impact.choices, default=3)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency.choices, default=3)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=5, db_index=True
    )
    priority_override_reason = models.TextField(_("reason for priority override"), blank=True)
    assignment_group = models.ForeignKey(
        "catalog.SupportGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("assignment group"),
        db_index=False,  # covered by a composite index that starts with it
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents_assigned",
        verbose_name=_("assignee"),
        db_index=False,  # covered by a composite index that starts with it
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="incidents_watched",
        verbose_name=_("watchers"),
    )
    hold_reason = models.CharField(
        _("on-hold reason"), max_length=32, choices=HoldReason.choices, blank=True
    )
    resolution_code = models.CharField(
        _("resolution code"), max_length=32, choices=ResolutionCode.choices, blank=True
    )
    resolution_notes = models.TextField(_("resolution notes"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    is_major = models.BooleanField(_("major incident"), default=False, db_index=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent incident"),
    )
    reassignment_count = models.PositiveIntegerField(_("reassignments"), default=0)
    reopen_count = models.PositiveIntegerField(_("reopens"), default=0)
    first_contact_resolution = models.BooleanField(_("first-contact resolution"), default=False)
    contact_channel = models.CharField(
        _("contact channel"),
        max_length=16,
        choices=ContactChannel.choices,
        default=ContactChannel.PORTAL,
    )
    pdca_scope = models.CharField(
        _("PDCA scope"), max_length=16, choices=Scope.choices, default=Scope.OPERATIONAL
    )
    responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    made_sla = models.BooleanField(
        _("made SLA (source system)"),
        null=True,
        blank=True,
        help_text=_("As recorded by the system an incident was imported from."),
    )
    resolution_elapsed_seconds = models.PositiveIntegerField(default=0)
    resolution_target_seconds = models.PositiveIntegerField(null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sla_refreshed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(
        excluded_fields=["updated_at", "sla_refreshed_at"], no_db_index=HISTORY_UNINDEXED
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            models.Index(fields=["state", "-opened_at"], name="inc_state_opened_idx"),
            models.Index(fields=["assignee", "state"], name="inc_assignee_state_idx"),
            models.Index(fields=["assignment_group", "state"], name="inc_group_state_idx"),
            models.Index(fields=["service", "opened_at"], name="inc_service_opened_idx"),
            models.Index(fields=["caller", "-opened_at"], name="inc_caller_opened_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(impact__gte=1, impact__lte=3), name="inc_impact_1_to_3"
            ),
            models.CheckConstraint(
                condition=models.Q(urgency__gte=1, urgency__lte=3), name="inc_urgency_1_to_3"
            ),
            models.CheckConstraint(
                condition=models.Q(priority__gte=1, priority__lte=5), name="inc_priority_1_to_5"
            ),
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True)
                | models.Q(resolved_at__gte=models.F("opened_at")),
                name="inc_resolved_after_opened",
            ),
        ]
        permissions = [("override_priority", "Can override the derived priority")]

    def get_absolute_url(self) -> str:
        return reverse("incidents:incident_detail", args=[self.number])

    @property
    def is_open(self) -> bool:
        return self.state in (IncidentState.NEW, IncidentState.IN_PROGRESS, IncidentState.ON_HOLD)


class IncidentComment(TimelineEntryBase):
    """A public comment or internal work note on an incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="comments")

    class Meta(TimelineEntryBase.Meta):
        indexes = [models.Index(fields=["incident", "created_at"], name="inc_comment_idx")]


class IncidentAttachment(AttachmentBase):
    """A file attached to an incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments")

    class Meta(AttachmentBase.Meta):
        pass
