"""Incident reads: who may see what (DOMAIN §1), queues, and what each page needs in one go."""

from types import SimpleNamespace
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects

from catalog.models import Service, SupportGroup
from core.cache import generation, local_get_or_set, row_cached
from incidents.choices import IncidentState
from incidents.models import Incident, IncidentAttachment, IncidentComment
from incidents.panels import incident_panel_flags, incident_panel_joins
from sla.models import SlaPolicy

OPEN_STATES = (IncidentState.NEW, IncidentState.IN_PROGRESS, IncidentState.ON_HOLD)
# Long texts a queue row never shows (the CSV export does not either).
QUEUE_DEFERRED = (
    "description", "resolution_notes", "priority_override_reason", "cancel_reason",
)  # fmt: skip


def is_staff_actor(actor: Any) -> bool:
    """Support staff see every incident; everyone else only their own and watched ones."""
    return actor.has_perm("incidents.view_incident")


def incident_visible(*, actor: Any) -> QuerySet[Incident]:
    """Incidents the actor may see: all for staff; raised or watched for a requester."""
    queryset = Incident.objects.all()
    if is_staff_actor(actor):
        return queryset
    watched = Incident.watchers.through.objects.filter(incident_id=OuterRef("pk"), user_id=actor.pk)
    return queryset.filter(Q(caller_id=actor.pk) | Exists(watched))


def incident_list(*, actor: Any) -> QuerySet[Incident]:
    """The queue: visible incidents with what a row shows, newest first."""
    return (
        incident_visible(actor=actor)
        .select_related("service", "assignment_group", "assignee", "caller", "sla_policy")
        .annotate(parent_number=F("parent__number"))
        .order_by("-opened_at", "-pk")
    )


def _with_queue_row(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """What a queue row shows, without the long texts."""
    return queryset.select_related("service", "assignment_group", "assignee", "sla_policy").defer(
        *QUEUE_DEFERRED
    )


def incident_queue(*, actor: Any, queue: str) -> QuerySet[Incident]:
    """One of the named queues (QUEUES), with what a queue row shows and no long texts."""
    queryset = _with_queue_row(incident_visible(actor=actor)).order_by("-opened_at", "-pk")
    if queue == "mine":
        return queryset.filter(assignee_id=actor.pk, state__in=OPEN_STATES)
    if queue == "unassigned":
        return queryset.filter(
            assignee__isnull=True,
            assignment_group__members=actor,
            state__in=OPEN_STATES,
        )
    if queue == "open":
        return queryset.filter(state__in=OPEN_STATES)
    if queue == "breaching":
        return queryset.filter(
            state__in=OPEN_STATES, sla_state__in=["warning", "breached"]
        ).order_by("resolution_due_at", "pk")
    if queue == "major":
        return queryset.filter(is_major=True, state__in=OPEN_STATES)
    return queryset


def incident_queue_rows(*, pks: list[int]) -> QuerySet[Incident]:
    """The queue rows of these incidents (already found visible by incident_queue)."""
    return _with_queue_row(Incident.objects.filter(pk__in=pks))


def incident_get(*, actor: Any, number: str) -> Incident | None:
    """One incident by number with its page's related rows, or None if not visible.

    Its service, group, SLA policy, caller and assignee come from each process's row
    cache (row_cached): fewer joins, and Django compiles the query in a third of the
    time. Whether it has CIs, watchers, attachments and children is asked with the
    incident; only those it has are then read (most incidents have none of some of
    them). The panels of higher apps add their joins and flags to that query
    (incidents.panels).
    """
    public_only = not is_staff_actor(actor)
    comments = IncidentComment.objects.select_related("author").order_by("created_at", "pk")
    if public_only:
        comments = comments.filter(kind="comment")
    related = {
        "cis": Incident.cis.through.objects.filter(incident_id=OuterRef("pk")),
        "watchers": Incident.watchers.through.objects.filter(incident_id=OuterRef("pk")),
        "attachments": IncidentAttachment.objects.filter(incident_id=OuterRef("pk")),
        "children": Incident.objects.filter(parent_id=OuterRef("pk")),
    }
    found = list(
        incident_visible(actor=actor)
        .select_related(*incident_panel_joins())
        .annotate(**{"has_" + name: Exists(rows) for name, rows in related.items()})
        .annotate(**incident_panel_flags())
        .filter(number=number)
        .order_by()[:1]  # one row by a unique key: no sort needed
    )
    if not found:
        return None
    incident = found[0]
    user = get_user_model()
    for field, model in (
        ("service", Service),
        ("assignment_group", SupportGroup),
        ("sla_policy", SlaPolicy),
        ("caller", user),
        ("assignee", user),
    ):
        # None, or not there (deleted meanwhile): left to the relation's own query.
        if (row := row_cached(model, getattr(incident, field + "_id"))) is not None:
            setattr(incident, field, row)
    if incident.parent_id is not None:
        incident.parent = Incident.objects.get(pk=incident.parent_id)
    lookups: list[Any] = [Prefetch("comments", queryset=comments)]
    prefetched = incident.__dict__.setdefault("_prefetched_objects_cache", {})
    for name in related:
        if not getattr(incident, "has_" + name):
            # What prefetch_related leaves for an empty relation: .all() is [] without a
            # query, and without compiling one (as a .none() queryset would, each time).
            empty = getattr(incident, name).none()
            empty._result_cache, empty._prefetch_done = [], True
            prefetched[name] = empty
        elif name == "children":
            lookups.append(Prefetch(name, queryset=Incident.objects.order_by("number")))
        else:
            lookups.append(name)
    prefetch_related_objects([incident], *lookups)
    return incident


def incident_history(*, incident: Incident, fields: tuple[str, ...] = ()) -> QuerySet[Any]:
    """The audit rows of one incident, oldest first, with who made them; `fields`: only
    these fields of each version (a timeline compares a few; the rows have fifty)."""
    rows = incident.history.select_related("history_user").order_by("history_date", "history_id")
    if fields:
        columns = [Incident._meta.get_field(name).attname for name in fields]
        rows = rows.only(*columns, "history_date", "history_type", "history_user")
    return rows


def incident_portal_list(*, actor: Any) -> QuerySet[Incident]:
    """The portal's list: what the actor raised or watches, even when the actor is staff."""
    watched = Incident.watchers.through.objects.filter(incident_id=OuterRef("pk"), user_id=actor.pk)
    return (
        Incident.objects.filter(Q(caller_id=actor.pk) | Exists(watched))
        .select_related("service", "assignee")
        .order_by("-opened_at", "-pk")
    )


GROUP_MEMBERS = "group-members"  # retired by people, groups and memberships (incidents.apps)


def group_recipients(*, group_id: int | None) -> list[SimpleNamespace]:
    """A group's active members as a notification needs them (id and address), kept in the
    process's memory until a person, a group or a membership changes: every incident
    logged to a group notifies it, and the members rarely change."""
    if group_id is None:
        return []
    members = local_get_or_set(
        "group-members:{gen}:{pk}".format(gen=generation(GROUP_MEMBERS), pk=group_id),
        lambda: list(
            get_user_model()
            .objects.filter(support_groups=group_id, is_active=True)
            .order_by("pk")
            .values_list("pk", "email")
        ),
    )
    return [SimpleNamespace(pk=pk, email=email) for pk, email in members]


def service_for_incident(*, pk: int) -> Any:
    """A service with what incident_create reads of it (its group and SLA policy), or None,
    from the process's row cache (core.cache.row_cached): every create names one."""
    return row_cached(Service, pk)
