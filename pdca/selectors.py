"""PDCA reads: the dashboard's cycles with their goals, latest snapshots and findings."""

from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from pdca.choices import OPEN_ACTION_STATUSES
from pdca.models import (
    ActionCheck,
    Cycle,
    Finding,
    Goal,
    GoalSnapshot,
    ImprovementAction,
    Review,
    StrategicItem,
    Strategy,
)


def dashboard_cycles() -> QuerySet[Cycle]:
    """Cycles, newest first, with goals and every snapshot (for trends), in a fixed number
    of queries."""
    return (
        Cycle.objects.select_related("strategy", "strategy__owner")
        .prefetch_related(
            Prefetch(
                "goals",
                queryset=Goal.objects.prefetch_related(
                    "services",
                    Prefetch(
                        "snapshots",
                        queryset=GoalSnapshot.objects.select_related("review").order_by(
                            "review__period_start"
                        ),
                    ),
                ),
            ),
            Prefetch(
                "reviews",
                queryset=Review.objects.order_by("-period_start").prefetch_related("findings"),
            ),
        )
        .order_by("-start", "pk")
    )


def strategic_findings(*, limit: int = 20) -> QuerySet[Finding]:
    return (
        Finding.objects.filter(strategic=True)
        .select_related("review", "review__cycle", "goal")
        .order_by("-review__period_start", "pk")[:limit]
    )


def goal_series(goal: Goal) -> list[dict[str, Any]]:
    """A goal's values over its reviews (from prefetched snapshots)."""
    return [
        {"period": s.review.period_start, "value": s.value, "status": s.status}
        for s in goal.snapshots.all()
    ]


def cycle_covering(record: Any) -> Cycle | None:
    """The cycle whose period and scope cover the record (opened in the period, its service
    among the strategy's, or any service if the strategy names none)."""
    if record.opened_at is None:
        return None
    day = timezone.localdate(record.opened_at)
    candidates = (
        Cycle.objects.filter(start__lte=day, end__gte=day)
        .filter(Q(strategy__services=None) | Q(strategy__services=record.service_id))
        .order_by("-start", "pk")
    )
    return candidates.first()


def action_list() -> QuerySet[ImprovementAction]:
    return ImprovementAction.objects.select_related(
        "owner", "goal", "goal__cycle", "problem", "change", "source_finding"
    ).order_by("due_date", "pk")


def action_get(*, pk: int) -> ImprovementAction | None:
    return (
        action_list()
        .prefetch_related(Prefetch("checks", queryset=ActionCheck.objects.select_related("review")))
        .filter(pk=pk)
        .first()
    )


def actions_overdue(*, today: date | None = None) -> QuerySet[ImprovementAction]:
    today = today or timezone.localdate()
    return action_list().filter(status__in=OPEN_ACTION_STATUSES, due_date__lt=today)


def strategic_queue() -> QuerySet[StrategicItem]:
    """Undecided strategic items, oldest first."""
    return strategic_list().filter(decided_at__isnull=True).order_by("raised_at", "pk")


def strategic_list() -> QuerySet[StrategicItem]:
    return StrategicItem.objects.select_related(
        "incident", "problem", "change", "goal", "goal__cycle", "raised_by", "decided_by", "action"
    ).order_by("-raised_at", "-pk")


def strategic_get(*, pk: int) -> StrategicItem | None:
    return strategic_list().filter(pk=pk).first()


def strategy_list() -> QuerySet[Strategy]:
    return (
        Strategy.objects.select_related("owner")
        .prefetch_related("services")
        .annotate(cycle_count=Count("cycles", distinct=True))
        .order_by("name", "pk")
    )


def strategy_get(*, pk: int) -> Strategy | None:
    return strategy_list().filter(pk=pk).first()


def cycle_list() -> QuerySet[Cycle]:
    return (
        Cycle.objects.select_related("strategy")
        .annotate(goal_count=Count("goals", distinct=True))
        .order_by("-start", "pk")
    )


def cycle_get(*, pk: int) -> Cycle | None:
    return cycle_list().filter(pk=pk).first()


def goal_list() -> QuerySet[Goal]:
    return (
        Goal.objects.select_related("cycle", "cycle__strategy")
        .prefetch_related("services")
        .order_by("cycle__start", "cycle_id", "name", "pk")
    )


def goal_get(*, pk: int) -> Goal | None:
    return goal_list().filter(pk=pk).first()


def review_list() -> QuerySet[Review]:
    return (
        Review.objects.select_related("cycle", "cycle__strategy")
        .prefetch_related(
            Prefetch(
                "snapshots",
                queryset=GoalSnapshot.objects.select_related("goal").order_by("goal__name", "pk"),
            ),
            Prefetch("findings", queryset=Finding.objects.select_related("action")),
            Prefetch(
                "action_checks",
                queryset=ActionCheck.objects.select_related("action", "action__goal"),
            ),
        )
        .order_by("-period_start", "pk")
    )


def review_get(*, pk: int) -> Review | None:
    return review_list().filter(pk=pk).first()


def action_register_recent() -> QuerySet[ImprovementAction]:
    """The register's latest movements: open actions first by due date, then recent results."""
    return action_list().exclude(status="cancelled").order_by("-updated_at", "-pk")


def goal_detail(*, pk: int) -> Goal | None:
    return (
        Goal.objects.select_related("cycle", "cycle__strategy")
        .prefetch_related(
            "services",
            Prefetch(
                "snapshots",
                queryset=GoalSnapshot.objects.select_related("review").order_by(
                    "review__period_start", "pk"
                ),
            ),
            Prefetch(
                "actions",
                queryset=ImprovementAction.objects.select_related("owner").order_by(
                    "-created_at", "-pk"
                ),
            ),
            Prefetch(
                "strategic_items",
                queryset=StrategicItem.objects.select_related("decided_by").order_by(
                    "-raised_at", "-pk"
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )
