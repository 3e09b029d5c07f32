"""Periodic reviews: snapshots against targets, trends, findings, one review per period
whatever the scheduler does, and escalation after two off-track reviews."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from pdca.models import Cycle, Finding, Goal, GoalSnapshot, Review, Strategy
from pdca.services import review_period_due, review_run, reviews_run_due
from pdca.tasks import run_due_reviews
from tests.conftest import run_task
from tests.factories import IncidentFactory, ServiceFactory, UserFactory

T0 = dt.datetime(
    2026, 10, 5, tzinfo=ZoneInfo("Europe/Stockholm")
)  # periods start at local midnight


@pytest.fixture
def goal(db):
    strategy = Strategy.objects.create(
        name="Stable mail", vision="Mail just works.", owner=UserFactory(),
        horizon_start=dt.date(2026, 1, 1), horizon_end=dt.date(2027, 12, 31),
    )  # fmt: skip
    cycle = Cycle.objects.create(
        strategy=strategy,
        name="Q4",
        start=dt.date(2026, 10, 5),
        end=dt.date(2026, 12, 31),
        review_days=7,
    )
    service = ServiceFactory(name="Mail")
    goal = Goal.objects.create(
        cycle=cycle, name="MTTR ≤ 4 h", kpi="mttr_hours", target=4, direction="at_most"
    )
    goal.services.add(service)
    return goal


def resolve_in(goal, hours, day):
    opened = T0 + dt.timedelta(days=day)
    IncidentFactory(
        service=goal.services.get(),
        opened_at=opened,
        resolved_at=opened + dt.timedelta(hours=hours),
        state="resolved",
    )


def week(n):
    return T0 + dt.timedelta(days=7 * n), T0 + dt.timedelta(days=7 * (n + 1))


@pytest.mark.django_db
def test_snapshot_status_trend_and_escalation(goal):
    resolve_in(goal, 3, 1)  # week 0: 3 h → on track
    resolve_in(goal, 8, 8)  # week 1: 8 h → off track
    resolve_in(goal, 6, 15)  # week 2: 6 h → off track again → strategic
    for n in range(3):
        review_run(cycle_id=goal.cycle_id, period_start=week(n)[0], period_end=week(n)[1])
    snaps = list(
        GoalSnapshot.objects.order_by("review__period_start").values_list(
            "value", "status", "trend"
        )
    )
    assert snaps == [
        (3.0, "on_track", "none"),
        (8.0, "off_track", "worse"),
        (6.0, "off_track", "better"),
    ]
    strategic = Finding.objects.filter(strategic=True)
    assert strategic.count() == 1
    assert "second review in a row" in strategic.get().text


@pytest.mark.django_db
def test_empty_period_is_no_data(goal):
    review = review_run(cycle_id=goal.cycle_id, period_start=week(0)[0], period_end=week(0)[1])
    assert review.snapshots.get().status == "no_data"


@pytest.mark.django_db
def test_one_review_per_period_and_the_task_runs_twice(goal):
    assert (
        review_run(cycle_id=goal.cycle_id, period_start=week(0)[0], period_end=week(0)[1])
        is not None
    )
    assert (
        review_run(cycle_id=goal.cycle_id, period_start=week(0)[0], period_end=week(0)[1]) is None
    )
    assert reviews_run_due(now=T0 + dt.timedelta(days=15)) == 1  # week 1 is due; week 0 done
    assert reviews_run_due(now=T0 + dt.timedelta(days=15)) == 0
    run_task(run_due_reviews)
    run_task(run_due_reviews)
    periods = list(Review.objects.values_list("period_start", flat=True))
    assert len(periods) == len(set(periods))


@pytest.mark.django_db
def test_due_period(goal):
    cycle = Cycle.objects.get()
    assert review_period_due(cycle, now=T0 + dt.timedelta(days=3)) is None
    assert review_period_due(cycle, now=T0 + dt.timedelta(days=7, hours=1)) == week(0)


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_make_one_review(goal):
    results = []

    def work():
        try:
            results.append(
                review_run(cycle_id=goal.cycle_id, period_start=week(0)[0], period_end=week(0)[1])
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r is not None for r in results) == 1
    assert Review.objects.count() == 1
    assert GoalSnapshot.objects.count() == 1


@pytest.mark.django_db
def test_on_demand_reviews_never_take_the_scheduled_period(goal, manager):
    from pdca.services import review_run_now

    review_run_now(actor=manager, cycle_id=goal.cycle_id, now=T0 + dt.timedelta(days=2))
    review_run_now(actor=manager, cycle_id=goal.cycle_id, now=T0 + dt.timedelta(days=3))
    assert reviews_run_due(now=T0 + dt.timedelta(days=8)) == 1  # the scheduled week still runs
    assert Review.objects.filter(on_demand=True).count() == 2
    assert Review.objects.filter(on_demand=False).count() == 1


@pytest.mark.django_db
def test_on_demand_review_before_the_cycle_starts_is_refused(goal, manager):
    from core.exceptions import DomainError
    from pdca.services import review_run_now

    with pytest.raises(DomainError) as err:
        review_run_now(actor=manager, cycle_id=goal.cycle_id, now=T0 - dt.timedelta(days=1))
    assert err.value.code == "cycle_not_started"
