"""Change reads: lists, detail, approvals waiting for someone, conflicts, freezes, history."""

from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from changes.choices import ChangeState, Decision, Outcome
from changes.models import (
    Change,
    ChangeApproval,
    ChangeCausedIncident,
    ChangeComment,
    ChangeTemplate,
    FreezeWindow,
)

ACTIVE_STATES = (ChangeState.SCHEDULED, ChangeState.IMPLEMENTATION)
OPEN_STATES = (
    ChangeState.DRAFT,
    ChangeState.ASSESSMENT,
    ChangeState.AUTHORISATION,
    ChangeState.SCHEDULED,
    ChangeState.IMPLEMENTATION,
    ChangeState.REVIEW,
)


def change_list() -> QuerySet[Change]:
    return Change.objects.select_related(
        "service", "assignee", "assignment_group", "template", "fixes_problem"
    ).order_by("-opened_at", "-pk")


def change_get(*, number: str) -> Change | None:
    """One change with its approvals, CIs, caused incidents and timeline."""
    return (
        Change.objects.select_related(
            "service",
            "assignee",
            "assignment_group",
            "approver_group",
            "template",
            "fixes_problem",
            "opened_by",
        )
        .prefetch_related(
            "cis",
            "approvers",
            Prefetch(
                "approvals",
                queryset=ChangeApproval.objects.select_related("approver").order_by("round", "pk"),
            ),
            Prefetch(
                "caused_incident_links",
                queryset=ChangeCausedIncident.objects.select_related("incident").order_by(
                    "incident__number"
                ),
            ),
            Prefetch("comments", queryset=ChangeComment.objects.select_related("author")),
        )
        .filter(number=number)
        .order_by()
        .first()
    )


def change_approvals_waiting(*, actor: Any) -> QuerySet[ChangeApproval]:
    """The actor's pending approvals on changes awaiting authorisation."""
    return (
        ChangeApproval.objects.filter(
            approver=actor, decision=Decision.PENDING, change__state=ChangeState.AUTHORISATION
        )
        .select_related("change", "change__service")
        .order_by("change__planned_start", "pk")
    )


def change_conflicts(
    *, change: Change, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[Change]:
    """Other planned or active changes whose window overlaps and that touch the same service
    or one of the same CIs. One indexed query; windows that only touch (end == start) do not
    overlap."""
    start = start or change.planned_start
    end = end or change.planned_end
    if start is None or end is None:
        return Change.objects.none()
    ci_ids = list(change.cis.values_list("pk", flat=True)) if change.pk else []
    return (
        Change.objects.filter(
            state__in=(ChangeState.ASSESSMENT, ChangeState.AUTHORISATION, *ACTIVE_STATES),
            planned_start__lt=end,
            planned_end__gt=start,
        )
        .filter(Q(service_id=change.service_id) | Q(cis__in=ci_ids))
        .exclude(pk=change.pk)
        .distinct()
        .order_by("planned_start", "pk")
    )


def freeze_covering(*, change: Change, start: datetime, end: datetime) -> FreezeWindow | None:
    """A freeze window overlapping the window, for this service or for every service."""
    return (
        FreezeWindow.objects.filter(start__lt=end, end__gt=start)
        .filter(Q(services__isnull=True) | Q(services=change.service_id))
        .order_by("start")
        .first()
    )


def change_history_stats(*, service_id: int, ci_ids: list[int]) -> dict[str, Any]:
    """How past changes to the same service or CIs went: evidence for the risk assessment."""
    past = Change.objects.filter(state=ChangeState.CLOSED).filter(
        Q(service_id=service_id) | Q(cis__in=ci_ids)
    )
    past = Change.objects.filter(pk__in=past.values("pk"))
    stats = past.aggregate(
        closed=Count("pk"),
        successful=Count(
            "pk", filter=Q(outcome__in=[Outcome.SUCCESSFUL, Outcome.SUCCESSFUL_WITH_ISSUES])
        ),
        failed=Count("pk", filter=Q(outcome__in=[Outcome.FAILED, Outcome.BACKED_OUT])),
    )
    stats["incidents_caused"] = ChangeCausedIncident.objects.filter(change__in=past).count()
    closed = stats["closed"]
    stats["success_rate"] = round(100 * stats["successful"] / closed) if closed else None
    stats["failure_rate"] = stats["failed"] / closed if closed else None
    return stats


def calendar_changes(*, start: datetime, end: datetime) -> QuerySet[Change]:
    """Scheduled, in-progress and planned changes whose window overlaps [start, end)."""
    return (
        Change.objects.filter(planned_start__lt=end, planned_end__gt=start)
        .exclude(state__in=[ChangeState.CANCELLED, ChangeState.DRAFT])
        .select_related("service")
        .order_by("planned_start", "pk")
    )


def calendar_freezes(*, start: datetime, end: datetime) -> QuerySet[FreezeWindow]:
    return FreezeWindow.objects.filter(start__lt=end, end__gt=start).prefetch_related("services")


def change_template_list() -> QuerySet[ChangeTemplate]:
    """Templates, active first, with how many changes each produced."""
    return (
        ChangeTemplate.objects.select_related("service")
        .annotate(change_count=Count("changes"))
        .order_by("-is_active", "name", "pk")
    )


def change_history(*, change: Change) -> QuerySet[Any]:
    return change.history.select_related("history_user").order_by("history_date", "history_id")
