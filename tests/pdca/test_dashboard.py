"""The managers' dashboard: who sees it, constant queries, review on demand."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pdca.models import Cycle, Goal, Review, Strategy
from pdca.services import review_run
from tests.conftest import cache_clear
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def make_cycle(n):
    today = timezone.localdate()
    strategy = Strategy.objects.create(
        name="S{n}".format(n=n), vision="v", owner=UserFactory(),
        horizon_start=today - dt.timedelta(days=400), horizon_end=today + dt.timedelta(days=400),
    )  # fmt: skip
    cycle = Cycle.objects.create(
        strategy=strategy, name="C", start=today - dt.timedelta(days=70), end=today
    )
    Goal.objects.create(cycle=cycle, name="g", kpi="backlog", target=10, direction="at_most")
    return cycle


def test_only_managers_see_the_dashboard(client, agent, manager):
    client.force_login(agent)
    assert client.get(reverse("pdca:dashboard")).status_code == 403
    client.force_login(manager)
    assert client.get(reverse("pdca:dashboard")).status_code == 200


def test_dashboard_queries_do_not_grow_with_cycles_and_reviews(client, manager):
    client.force_login(manager)
    counts = []
    for cycles in (1, 4):
        while Cycle.objects.count() < cycles:
            cycle = make_cycle(Cycle.objects.count())
            start = timezone.now() - dt.timedelta(days=30)
            for week in range(3):
                review_run(cycle_id=cycle.pk, period_start=start + dt.timedelta(days=7 * week),
                           period_end=start + dt.timedelta(days=7 * (week + 1)))  # fmt: skip
        cache_clear()  # the permissions cached by the first request would save two queries
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("pdca:dashboard")).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_review_now_makes_an_on_demand_review(client, manager, agent):
    cycle = make_cycle(0)
    client.force_login(agent)
    assert client.post(reverse("pdca:review_now", args=[cycle.pk])).status_code == 403
    client.force_login(manager)
    client.post(reverse("pdca:review_now", args=[cycle.pk]))
    assert Review.objects.get().on_demand is True
    assert client.post(reverse("pdca:review_now", args=[999])).status_code == 404


def test_dashboard_queries_do_not_grow_with_actions_and_strategic_items(client, manager):
    from pdca.models import ImprovementAction, StrategicItem

    cycle = make_cycle(0)
    goal = cycle.goals.get()
    client.force_login(manager)
    counts = []
    for rows in (1, 6):
        while ImprovementAction.objects.count() < rows:
            n = ImprovementAction.objects.count()
            ImprovementAction.objects.create(
                title="a{n}".format(n=n), owner=UserFactory(), goal=goal,
                due_date=timezone.localdate() - dt.timedelta(days=n + 1),
            )  # fmt: skip
            StrategicItem.objects.create(
                kind="goal" if n == 0 else "record", title="s{n}".format(n=n), reason="r",
                goal=goal if n == 0 else None, raised_at=timezone.now(), raised_by=UserFactory(),
            )  # fmt: skip
        cache_clear()
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("pdca:dashboard"))
        assert page.status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
    assert "a5" in page.content.decode()  # overdue, on the dashboard
