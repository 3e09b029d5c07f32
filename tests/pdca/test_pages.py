"""The managers' PDCA pages: strategies, cycles, goals and actions with clear field errors;
the dashboard's register and queue; drill-down to the records behind a figure; the service
view; the printable review."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from pdca.models import Cycle, Goal, ImprovementAction, Review, Strategy
from pdca.services import review_run
from tests.factories import IncidentFactory, ServiceFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Europe/Stockholm")
T0 = dt.datetime(2026, 10, 5, tzinfo=TZ)
WEEK = dt.timedelta(days=7)


@pytest.fixture
def mail(db):
    return ServiceFactory(name="Mail")


@pytest.fixture
def goal(manager, mail):
    strategy = Strategy.objects.create(
        name="Stable mail", vision="Mail just works.", owner=manager,
        horizon_start=dt.date(2026, 1, 1), horizon_end=dt.date(2027, 12, 31),
    )  # fmt: skip
    cycle = Cycle.objects.create(
        strategy=strategy, name="Q4", start=dt.date(2026, 10, 5), end=dt.date(2026, 12, 31)
    )
    goal = Goal.objects.create(
        cycle=cycle, name="MTTR ≤ 4 h", kpi="mttr_hours", target=4, direction="at_most"
    )
    goal.services.add(mail)
    return goal


def test_a_manager_builds_a_strategy_a_cycle_and_a_goal(client, manager, mail):
    client.force_login(manager)
    response = client.post(
        reverse("pdca:strategy_create"),
        {"name": "Stable mail", "vision": "Mail just works.", "owner": manager.pk,
         "horizon_start": "2026-01-01", "horizon_end": "2027-12-31", "services": [mail.pk]},
    )  # fmt: skip
    assert response.status_code == 302, response.content
    strategy = Strategy.objects.get()
    assert list(strategy.services.all()) == [mail]
    response = client.post(
        reverse("pdca:cycle_create"),
        {"strategy": strategy.pk, "name": "Q4", "start": "2026-10-01", "end": "2026-12-31",
         "review_days": 7, "phase": "do"},
    )  # fmt: skip
    assert response.status_code == 302
    cycle = Cycle.objects.get()
    response = client.post(
        reverse("pdca:goal_create"),
        {"cycle": cycle.pk, "name": "P1 MTTR ≤ 4 h", "kpi": "mttr_hours", "target": "4",
         "direction": "at_most", "services": [mail.pk], "priorities": ["1"], "aged_days": 30},
    )  # fmt: skip
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert goal.priorities == [1]
    assert response["Location"] == goal.get_absolute_url()
    response = client.post(
        reverse("pdca:goal_edit", args=[goal.pk]),
        {"cycle": cycle.pk, "name": "P1 MTTR ≤ 5 h", "kpi": "mttr_hours", "target": "5",
         "direction": "at_most", "aged_days": 30, "version": goal.version},
    )  # fmt: skip
    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.target, goal.version) == (5, 2)


def test_a_goal_without_kpi_or_target_gets_field_errors(client, manager, goal):
    client.force_login(manager)
    response = client.post(
        reverse("pdca:goal_create"),
        {"cycle": goal.cycle_id, "name": "Vague", "kpi": "", "target": "",
         "direction": "at_most", "aged_days": 30},
    )  # fmt: skip
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["kpi"] == ["Choose the KPI the goal is measured by."]
    assert form.errors["target"] == ["Give the target the KPI must reach."]
    assert Goal.objects.count() == 1


def test_cycle_dates_end_before_start_and_overlap_are_field_errors(client, manager, goal):
    client.force_login(manager)
    data = {"strategy": goal.cycle.strategy_id, "name": "Q1", "review_days": 7, "phase": "plan"}
    response = client.post(
        reverse("pdca:cycle_create"), {**data, "start": "2027-03-31", "end": "2027-01-01"}
    )
    assert response.context["form"].errors["end"] == ["The cycle must end after it starts."]
    response = client.post(
        reverse("pdca:cycle_create"), {**data, "start": "2026-12-01", "end": "2027-03-31"}
    )
    assert "overlaps the cycle" in response.context["form"].errors["start"][0]
    response = client.post(
        reverse("pdca:cycle_create"), {**data, "start": "99999-01-01", "end": "2027-03-31"}
    )
    assert response.status_code == 200
    assert "start" in response.context["form"].errors
    assert Cycle.objects.count() == 1


def test_actions_validate_their_carrying_records(client, manager, goal):
    client.force_login(manager)
    data = {"title": "Runbook", "owner": manager.pk, "due_date": "2026-11-01",
            "status": "planned", "goal": goal.pk}  # fmt: skip
    response = client.post(reverse("pdca:action_create"), {**data, "problem": "PRB9999999"})
    assert response.context["form"].errors["problem"] == ["No record with this number."]
    response = client.post(reverse("pdca:action_create"), data)
    assert response.status_code == 302
    action = ImprovementAction.objects.get()
    response = client.post(
        reverse("pdca:action_edit", args=[action.pk]),
        {**data, "status": "done", "version": action.version},
    )
    action.refresh_from_db()
    assert action.completed_at is not None
    page = client.get(action.get_absolute_url())
    assert b"The next review checks it." in page.content


def test_the_dashboard_shows_overdue_actions_the_queue_and_drills_down(client, manager, goal):
    for day in (1, 2):
        opened = T0 + dt.timedelta(days=day)
        IncidentFactory(
            number="INC00000{d}".format(d=day), service=goal.services.get(), opened_at=opened,
            resolved_at=opened + dt.timedelta(hours=9), state="resolved",
        )  # fmt: skip
    IncidentFactory(number="INC0000009", opened_at=T0 + dt.timedelta(days=1))  # other service
    review = review_run(cycle_id=goal.cycle_id, period_start=T0, period_end=T0 + WEEK)
    proposed = ImprovementAction.objects.get(goal=goal)  # due two weeks after: overdue now
    client.force_login(manager)
    page = client.get(reverse("pdca:dashboard")).content.decode()
    assert proposed.title in page
    assert "overdue action" in page
    drill = reverse("pdca:goal_records", args=[goal.pk])
    assert drill in page
    goal_page = client.get(goal.get_absolute_url())
    assert goal_page.status_code == 200
    records = client.get(
        drill, {"start": review.period_start.isoformat(), "end": review.period_end.isoformat()}
    )
    content = records.content.decode()
    assert "INC000001" in content
    assert "INC000002" in content
    assert "INC0000009" not in content
    assert records.context["value"].sample == 2
    assert "opened_after=2026-10-05" in records.context["queue"]
    service = client.get(reverse("pdca:service_view", args=[goal.services.get().pk]))
    assert service.status_code == 200
    assert len(service.context["rows"]) == 12
    assert client.get(reverse("pdca:dashboard"), {"service": "99999"}).status_code == 302
    assert (
        client.get(reverse("pdca:service_view", args=[99999])).status_code == 404
    )  # unknown service


def test_the_printable_review(client, manager, goal):
    review = review_run(cycle_id=goal.cycle_id, period_start=T0, period_end=T0 + WEEK)
    client.force_login(manager)
    page = client.get(reverse("pdca:review_print", args=[review.pk]))
    assert page.status_code == 200
    assert b"@media print" in page.content
    assert goal.name.encode() in page.content
    assert client.get(reverse("pdca:review_print", args=[review.pk + 1])).status_code == 404
    assert Review.objects.count() == 1


def test_hostile_drill_down_parameters_do_not_fail(client, manager, goal):
    client.force_login(manager)
    url = reverse("pdca:goal_records", args=[goal.pk])
    for query in ({"start": "x", "end": "y"}, {"start": "0001-01-01"}, {"page": "zz"}):
        assert client.get(url, query).status_code == 200
    assert client.get(reverse("pdca:service_view", args=[goal.services.get().pk]),
                      {"days": "-5"}).status_code == 200  # fmt: skip
