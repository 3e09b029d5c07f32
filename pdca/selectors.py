"""PDCA reads: the dashboard's cycles with their goals, latest snapshots and findings."""

from typing import Any

from django.db.models import Prefetch, QuerySet

from pdca.models import Cycle, Finding, Goal, GoalSnapshot, Review


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
