"""PDCA writes: the periodic review — one per cycle and period, whatever the scheduler does."""

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from changes.models import Change
from core.events import event_emit
from core.exceptions import DomainError, PermissionDenied
from incidents.models import Incident
from pdca.choices import Direction, GoalStatus, Trend
from pdca.kpis import KpiScope, kpi_compute
from pdca.models import Cycle, Finding, Goal, GoalSnapshot, Review
from problems.models import Problem, SuggestedProblem
from problems.selectors import OPEN_STATES as PROBLEM_OPEN_STATES

AT_RISK_MARGIN = 0.10  # within 10 % of the target on the wrong side
STALE_PROBLEM_DAYS = 30


def goal_status(goal: Goal, value: float | None) -> str:
    """On track when the target is met; at risk within the margin; off track beyond."""
    if value is None:
        return GoalStatus.NO_DATA
    target = goal.target
    margin = abs(target) * AT_RISK_MARGIN or AT_RISK_MARGIN
    if goal.direction == Direction.AT_MOST:
        if value <= target:
            return GoalStatus.ON_TRACK
        return GoalStatus.AT_RISK if value <= target + margin else GoalStatus.OFF_TRACK
    if value >= target:
        return GoalStatus.ON_TRACK
    return GoalStatus.AT_RISK if value >= target - margin else GoalStatus.OFF_TRACK


def _trend(goal: Goal, value: float | None, previous: GoalSnapshot | None) -> str:
    if previous is None or previous.value is None or value is None:
        return Trend.NONE
    if value == previous.value:
        return Trend.SAME
    better = (
        value < previous.value if goal.direction == Direction.AT_MOST else value > previous.value
    )
    return Trend.BETTER if better else Trend.WORSE


def review_period_due(cycle: Cycle, *, now: datetime) -> tuple[datetime, datetime] | None:
    """The latest full review period of the cycle that has ended by `now`, if any."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(cycle.start, datetime.min.time(), tz)
    cycle_end = datetime.combine(cycle.end, datetime.min.time(), tz) + timedelta(days=1)
    step = timedelta(days=cycle.review_days)
    done = int((min(now, cycle_end) - start) / step)
    if done < 1:
        return None
    period_start = start + (done - 1) * step
    return period_start, period_start + step


def review_run(
    *,
    cycle_id: int,
    period_start: datetime,
    period_end: datetime,
    now: datetime | None = None,
    on_demand: bool = False,
) -> Review | None:
    """Measure every goal of the cycle for the period, store snapshots and findings.

    Returns None when the period was already reviewed: the unique constraint, not a check,
    decides, so two schedulers or workers produce one review. All in one transaction, so an
    interrupted review leaves nothing and runs again next time.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            review = Review.objects.create(
                cycle_id=cycle_id,
                period_start=period_start,
                period_end=period_end,
                created_at=now,
                on_demand=on_demand,
            )
            _measure(review, now)
            event_emit(
                "review.completed",
                review.cycle,
                review_id=review.pk,
                period_start=period_start.isoformat(),
                period_end=period_end.isoformat(),
            )
    except IntegrityError:
        return None
    return review


def _measure(review: Review, now: datetime) -> None:
    goals = list(Goal.objects.filter(cycle_id=review.cycle_id).prefetch_related("services"))
    latest_previous: dict[int, GoalSnapshot] = {}
    for snapshot in GoalSnapshot.objects.filter(
        goal__in=goals, review__period_start__lt=review.period_start, review__on_demand=False
    ).order_by("-review__period_start"):
        latest_previous.setdefault(snapshot.goal_id, snapshot)
    snapshots, findings = [], []
    for goal in goals:
        scope = KpiScope(
            services=tuple(s.pk for s in goal.services.all()),
            priorities=tuple(goal.priorities or ()),
        )
        value = kpi_compute(
            goal.kpi,
            start=review.period_start,
            end=review.period_end,
            scope=scope,
            aged_days=goal.aged_days,
        )
        status = goal_status(goal, value.value)
        before = latest_previous.get(goal.pk)
        snapshots.append(
            GoalSnapshot(
                review=review,
                goal=goal,
                value=value.value,
                sample=value.sample,
                target=goal.target,
                status=status,
                trend=_trend(goal, value.value, before),
            )
        )
        if status == GoalStatus.OFF_TRACK:
            twice = (
                not review.on_demand
                and before is not None
                and before.status == GoalStatus.OFF_TRACK
            )
            findings.append(
                Finding(
                    review=review,
                    goal=goal,
                    kind="goal_off_track",
                    strategic=twice,
                    text=(
                        _(
                            "{goal} is off track for the second review in a row ({value} against {target}): a strategic question now."
                        )
                        if twice
                        else _("{goal} is off track: {value} against a target of {target}.")
                    ).format(goal=goal.name, value=value.value, target=goal.target),
                )
            )
    GoalSnapshot.objects.bulk_create(snapshots)
    findings += _operational_findings(review, now)
    Finding.objects.bulk_create(findings)


def _operational_findings(review: Review, now: datetime) -> list[Finding]:
    """Breached SLAs, failed changes, stale problems and recurring clusters in the period."""
    start, end = review.period_start, review.period_end
    breached = Incident.objects.filter(
        resolved_at__gte=start, resolved_at__lt=end, sla_state="breached_met"
    ).count()
    breached += Incident.objects.filter(opened_at__lt=end, sla_state="breached").count()
    failed = (
        Change.objects.filter(closed_at__gte=start, closed_at__lt=end)
        .filter(Q(outcome__in=["failed", "backed_out"]) | Q(caused_incident_links__isnull=False))
        .distinct()
        .count()
    )
    stale = Problem.objects.filter(
        state__in=PROBLEM_OPEN_STATES, updated_at__lt=now - timedelta(days=STALE_PROBLEM_DAYS)
    ).count()
    clusters = SuggestedProblem.objects.filter(status="open").aggregate(n=Count("pk"))["n"]
    findings = []
    for kind, count, text in (
        ("sla_breaches", breached, _("{n} incidents breached their resolution SLA.")),
        ("failed_changes", failed, _("{n} changes failed, were backed out or caused incidents.")),
        ("stale_problems", stale, _("{n} open problems have not moved for {days} days.")),
        (
            "recurring_incidents",
            clusters,
            _("{n} clusters of recurring incidents wait for a problem."),
        ),
    ):
        if count:
            findings.append(
                Finding(
                    review=review, kind=kind, text=text.format(n=count, days=STALE_PROBLEM_DAYS)
                )
            )
    return findings


def reviews_run_due(*, now: datetime | None = None) -> int:
    """Run the due review of every active cycle; returns how many were created."""
    now = now or timezone.now()
    created = 0
    today = timezone.localdate(now)
    for cycle in Cycle.objects.filter(start__lte=today, end__gte=today - timedelta(days=31)):
        period = review_period_due(cycle, now=now)
        if period and review_run(
            cycle_id=cycle.pk, period_start=period[0], period_end=period[1], now=now
        ):
            created += 1
    return created


def review_run_now(*, actor: Any, cycle_id: int, now: datetime | None = None) -> Review | None:
    """A manager's on-demand look at the period so far (since the last full period).

    It is marked on_demand: it never takes a scheduled period's place, and it does not count
    for trends or escalation. Raises: permission_denied, cycle_not_started.
    """
    if not actor.has_perm("pdca.add_review"):
        raise PermissionDenied()
    now = now or timezone.now()
    cycle = Cycle.objects.get(pk=cycle_id)
    tz = timezone.get_current_timezone()
    cycle_start = datetime.combine(cycle.start, datetime.min.time(), tz)
    if now <= cycle_start:
        raise DomainError("cycle_not_started", _("The cycle has not started yet."), status=409)
    due = review_period_due(cycle, now=now)
    start = due[1] if due else cycle_start
    if start >= now:
        start = due[0] if due else cycle_start
    return review_run(
        cycle_id=cycle.pk, period_start=start, period_end=now, now=now, on_demand=True
    )
