"""Incident API serializers: explicit fields; state, version, priority and SLA read-only."""

from collections.abc import Iterable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api.serializers import (
    ServiceRefSerializer,
    StrictCharField,
    SupportGroupRefSerializer,
    UserRefSerializer,
)
from catalog.models import ConfigurationItem, Service, SupportGroup
from core.cache import local_get_many, local_set
from incidents.choices import Impact, Priority, Urgency
from incidents.models import Incident, IncidentComment
from incidents.presentation import sla_view
from incidents.selectors import service_for_incident
from sla.models import SlaPolicy

User = get_user_model()


class SlaSerializer(serializers.Serializer):
    state = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    percent = serializers.IntegerField(allow_null=True)
    remaining_seconds = serializers.IntegerField(allow_null=True)
    response_due_at = serializers.DateTimeField(allow_null=True)
    responded_at = serializers.DateTimeField(allow_null=True)


def _iso_in(zone):
    """DRF's DateTimeField.to_representation for the aware datetimes of the database (ISO
    8601 in the current zone, "Z" for UTC), the zone looked up once rather than per value:
    those lookups were a tenth of a 50-row list."""

    def iso(value: datetime) -> str:
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return iso


_UNSET = object()


def _user_ref(user) -> dict:
    """UserRefSerializer's fields."""
    return {
        "id": user.pk,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
    }


class IncidentOutputSerializer(serializers.ModelSerializer):
    service = ServiceRefSerializer(read_only=True)
    caller = UserRefSerializer(read_only=True)
    assignee = UserRefSerializer(read_only=True)
    assignment_group = SupportGroupRefSerializer(read_only=True)
    parent = serializers.SlugRelatedField(slug_field="number", read_only=True)
    sla = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "number", "title", "description", "state", "hold_reason", "service", "category",
            "subcategory", "impact", "urgency", "priority", "priority_override_reason",
            "assignment_group", "assignee", "caller", "contact_channel", "is_major", "parent",
            "resolution_code", "resolution_notes", "cancel_reason", "reassignment_count",
            "reopen_count", "first_contact_resolution", "pdca_scope", "opened_at",
            "resolved_at", "closed_at", "updated_at", "version", "sla",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, incident: Incident) -> dict:
        """The declared fields above, written out: DRF's field-by-field machinery was most of
        a 50-row list's time. tests/incidents/test_api.py checks this equals DRF's own
        rendering of the declared fields for incidents of every shape."""
        dt = self.__dict__.get("_iso")
        if dt is None:  # once per serializer: a list's rows share one
            dt = self.__dict__["_iso"] = _iso_in(timezone.get_current_timezone())
        parent = getattr(incident, "parent_number", _UNSET)
        if parent is _UNSET:
            parent = incident.parent.number if incident.parent_id else None
        return {
            "number": incident.number,
            "title": incident.title,
            "description": incident.description,
            "state": incident.state,
            "hold_reason": incident.hold_reason,
            "service": {"id": incident.service_id, "name": incident.service.name},
            "category": incident.category,
            "subcategory": incident.subcategory,
            "impact": incident.impact,
            "urgency": incident.urgency,
            "priority": incident.priority,
            "priority_override_reason": incident.priority_override_reason,
            "assignment_group": (
                {"id": incident.assignment_group_id, "name": incident.assignment_group.name}
                if incident.assignment_group_id
                else None
            ),
            "assignee": _user_ref(incident.assignee) if incident.assignee_id else None,
            "caller": _user_ref(incident.caller) if incident.caller_id else None,
            "contact_channel": incident.contact_channel,
            "is_major": incident.is_major,
            "parent": parent,
            "resolution_code": incident.resolution_code,
            "resolution_notes": incident.resolution_notes,
            "cancel_reason": incident.cancel_reason,
            "reassignment_count": incident.reassignment_count,
            "reopen_count": incident.reopen_count,
            "first_contact_resolution": incident.first_contact_resolution,
            "pdca_scope": incident.pdca_scope,
            "opened_at": dt(incident.opened_at) if incident.opened_at else None,
            "resolved_at": dt(incident.resolved_at) if incident.resolved_at else None,
            "closed_at": dt(incident.closed_at) if incident.closed_at else None,
            "updated_at": dt(incident.updated_at) if incident.updated_at else None,
            "version": incident.version,
            "sla": self.get_sla(incident, dt),
        }

    @extend_schema_field(SlaSerializer)
    def get_sla(self, incident: Incident, dt=None, now: datetime | None = None) -> dict:
        dt = dt or _iso_in(timezone.get_current_timezone())
        view = sla_view(incident, now)
        return {
            "state": view.state,
            "due_at": dt(view.due_at) if view.due_at else None,
            "percent": view.percent,
            "remaining_seconds": int(view.remaining.total_seconds()) if view.remaining else None,
            "response_due_at": dt(incident.response_due_at) if incident.response_due_at else None,
            "responded_at": dt(incident.responded_at) if incident.responded_at else None,
        }


_PEOPLE = ("username", "first_name", "last_name")
_POLICY = (
    "updated_at", "always_on", "time_zone", "work_start", "work_end", "work_days",
    "break_start", "break_end", "holiday_country",
)  # fmt: skip
LIST_VALUES = (
    *(f.attname for f in Incident._meta.concrete_fields),
    "parent_number",
    "service__name",
    "assignment_group__name",
    *("assignee__" + name for name in _PEOPLE),
    *("caller__" + name for name in _PEOPLE),
    *("sla_policy__" + name for name in _POLICY),
)


def incident_rows(values: Iterable[dict]) -> list[SimpleNamespace]:
    """A list page read with .values(LIST_VALUES) as light objects carrying what
    IncidentOutputSerializer.to_representation reads: 50 incidents with five related
    records each were 250 model instances, half of a 50-row API list's time. The SLA
    policies are built from the joined columns, once per policy on the page, for their
    business calendar (sla_view caches it per policy and version)."""
    policies: dict[tuple, SlaPolicy] = {}
    rows = []
    for value in values:
        row = SimpleNamespace(**{k: v for k, v in value.items() if "__" not in k})
        row.pk = row.id
        row.service = SimpleNamespace(name=value["service__name"])
        row.assignment_group = SimpleNamespace(name=value["assignment_group__name"])
        for role in ("assignee", "caller"):
            person = SimpleNamespace(pk=value[role + "_id"])
            for name in _PEOPLE:
                setattr(person, name, value[role + "__" + name])
            setattr(row, role, person)
        policy_id = value["sla_policy_id"]
        row.sla_policy = (
            None
            if policy_id is None
            else _policy(policies, policy_id, {n: value["sla_policy__" + n] for n in _POLICY})
        )
        rows.append(row)
    return rows


def _policy(policies: dict[tuple, SlaPolicy], pk: int, fields: dict[str, Any]) -> SlaPolicy:
    """An SLA policy built from its columns, once per policy and version on a page (for its
    business calendar, which sla_view caches per policy and version)."""
    key = (pk, fields["updated_at"])
    if key not in policies:
        policies[key] = SlaPolicy(pk=pk, **fields)
    return policies[key]


# What sla_view reads of a row: kept beside its cached representation, so the SLA figures
# are computed for the instant of each request.
SLA_INPUTS = (
    "sla_state", "resolution_target_seconds", "resolution_elapsed_seconds", "sla_refreshed_at",
    "resolution_due_at", "response_due_at", "responded_at",
)  # fmt: skip


def incident_list_page(
    pairs: list[tuple[int, int]], rows_of: Any, serializer: "IncidentOutputSerializer"
) -> list[dict]:
    """A list page's representations: each row's cached per incident version, time zone
    and minute (as the queue's rows: any change to the incident shows at once, a renamed
    service, group or person within a minute), its SLA figures computed for this instant.

    `pairs`: the page's (id, version); `rows_of(ids)`: their .values(LIST_VALUES), read
    only for the rows not in the cache."""
    if not pairs:
        return []
    now = timezone.now()
    prefix = "apirow:{tz}:{minute}".format(
        tz=timezone.get_current_timezone_name(),
        minute=int(now.timestamp()) // 60,
    )
    keys = {pk: "{p}:{pk}:{v}".format(p=prefix, pk=pk, v=version) for pk, version in pairs}
    found = local_get_many(keys.values())
    missing = [pk for pk, key in keys.items() if key not in found]
    if missing:
        for row in incident_rows(rows_of(missing)):
            shown = serializer.to_representation(row)
            del shown["sla"]
            policy = row.sla_policy
            clock = {name: getattr(row, name) for name in SLA_INPUTS}
            if policy is not None:
                clock["policy"] = (policy.pk, {name: getattr(policy, name) for name in _POLICY})
            # Read a moment after the ids: a row that moved on shows as it is now, cached
            # under its new version only. Long texts (pasted logs) are not kept: they would
            # make the process's 4,096 entries weigh gigabytes.
            if len(row.description) + len(row.resolution_notes) <= ROW_TEXT_KEPT:
                key = "{p}:{pk}:{v}".format(p=prefix, pk=row.pk, v=row.version)
                local_set(key, (shown, clock))
            found[keys[row.pk]] = (shown, clock)
    dt = _iso_in(timezone.get_current_timezone())
    policies: dict[tuple, SlaPolicy] = {}
    page = []
    for pk, _version in pairs:
        if keys[pk] not in found:
            continue  # deleted since the ids were read
        shown, clock = found[keys[pk]]
        clock = dict(clock)
        policy = clock.pop("policy", None)
        if policy is not None:
            policy = _policy(policies, *policy)
        sla = serializer.get_sla(SimpleNamespace(**clock, sla_policy=policy), dt, now)
        row = {**shown, "sla": sla}  # the cached row is shared: the page gets a copy
        for name in NESTED:
            if isinstance(value := row[name], dict):
                row[name] = dict(value)
        page.append(row)
    return page


ROW_TEXT_KEPT = 4000  # characters of description and resolution notes in a kept row
NESTED = ("service", "assignment_group", "assignee", "caller")  # {"id": ..., "name": ...}


class ServiceField(serializers.PrimaryKeyRelatedField):
    """A service by id, with what incident_create reads of it, from the cache
    (selectors.service_for_incident); errors as DRF's."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            pk = int(data)  # as the database lookup casts it
        except (ValueError, OverflowError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        service = service_for_incident(pk=pk) if abs(pk) < 2**63 else None
        if service is None:
            self.fail("does_not_exist", pk_value=data)
        return service


class IncidentInputSerializer(serializers.Serializer):
    """Fields a client may set; priority is derived (managers override with a reason)."""

    title = StrictCharField(max_length=200)
    description = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    service = ServiceField(queryset=Service.objects.all())
    cis = serializers.PrimaryKeyRelatedField(
        queryset=ConfigurationItem.objects.all(), many=True, required=False
    )
    caller = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False)
    category = StrictCharField(max_length=100, required=False, allow_blank=True)
    subcategory = StrictCharField(max_length=100, required=False, allow_blank=True)
    impact = serializers.ChoiceField(choices=Impact.choices, required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    assignment_group = serializers.PrimaryKeyRelatedField(
        queryset=SupportGroup.objects.all(), required=False, allow_null=True
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )
    contact_channel = serializers.ChoiceField(
        choices=Incident._meta.get_field("contact_channel").choices, required=False
    )
    is_major = serializers.BooleanField(required=False)
    pdca_scope = serializers.ChoiceField(
        choices=Incident._meta.get_field("pdca_scope").choices, required=False
    )
    parent = serializers.SlugRelatedField(
        slug_field="number", queryset=Incident.objects.all(), required=False, allow_null=True
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    priority_override_reason = StrictCharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, min_value=1)


class TransitionInputSerializer(serializers.Serializer):
    hold_reason = serializers.ChoiceField(
        choices=Incident._meta.get_field("hold_reason").choices, required=False
    )
    resolution_code = serializers.ChoiceField(
        choices=Incident._meta.get_field("resolution_code").choices, required=False
    )
    resolution_notes = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    cancel_reason = StrictCharField(required=False, allow_blank=True)
    comment = StrictCharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, min_value=1)


class CommentInputSerializer(serializers.Serializer):
    body = StrictCharField(trim_whitespace=False)
    kind = serializers.ChoiceField(
        choices=IncidentComment._meta.get_field("kind").choices, default="comment"
    )


class CommentOutputSerializer(serializers.ModelSerializer):
    author = UserRefSerializer(read_only=True)

    class Meta:
        model = IncidentComment
        fields = ["id", "kind", "body", "author", "created_at"]
        read_only_fields = fields


class HistoryOutputSerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    history_type = serializers.CharField()
    history_user = serializers.CharField(
        source="history_user.username", allow_null=True, default=None
    )
    state = serializers.CharField()
    priority = serializers.IntegerField()
    impact = serializers.IntegerField()
    urgency = serializers.IntegerField()
    assignment_group_id = serializers.IntegerField(allow_null=True)
    assignee_id = serializers.IntegerField(allow_null=True)
    hold_reason = serializers.CharField()
    version = serializers.IntegerField()
