"""The PDCA API: strategies, cycles, goals and actions with If-Match; reviews read-only with
snapshots, findings and checks; the strategic queue with triage and decide; 4xx naming the
problem, never a 500."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from pdca.models import Cycle, Goal, ImprovementAction, StrategicItem, Strategy
from pdca.services import review_run
from tests.factories import IncidentFactory, ServiceFactory

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 10, 5, tzinfo=ZoneInfo("Europe/Stockholm"))


def attrs(response):
    return {e["attr"] for e in response.json()["errors"]}


@pytest.fixture
def api(api_client, manager):
    return api_client(manager)


@pytest.fixture
def mail(db):
    return ServiceFactory(name="Mail")


def make_strategy(api, manager, mail, **extra):
    response = api.post(
        "/api/v1/strategies/",
        {"name": "Stable mail", "vision": "Mail just works.", "owner": manager.pk,
         "horizon_start": "2026-01-01", "horizon_end": "2027-12-31", "services": [mail.pk],
         **extra},
        format="json",
    )  # fmt: skip
    return response


def test_strategy_crud_with_if_match(api, manager, mail):
    response = make_strategy(api, manager, mail)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["services"] == [{"id": mail.pk, "name": "Mail"}]
    url = "/api/v1/strategies/{id}/".format(id=body["id"])
    etag = api.get(url)["ETag"]
    assert etag == '"strategy-{id}-v1"'.format(id=body["id"])
    assert api.patch(url, {"vision": "Faster"}, format="json").status_code == 428
    ok = api.patch(url, {"vision": "Faster"}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200
    assert ok.json()["version"] == 2
    stale = api.patch(url, {"vision": "Again"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    bad = make_strategy(api, manager, mail, name="Other", horizon_end="2025-01-01")
    assert bad.status_code == 400
    assert attrs(bad) == {"horizon_end"}


def test_cycles_refuse_reversed_and_overlapping_periods(api, manager, mail):
    strategy = make_strategy(api, manager, mail).json()["id"]
    data = {"strategy": strategy, "name": "Q4", "start": "2026-10-01", "end": "2026-12-31"}
    assert api.post("/api/v1/cycles/", data, format="json").status_code == 201
    reversed_ = api.post(
        "/api/v1/cycles/", {**data, "start": "2027-03-01", "end": "2027-01-01"}, format="json"
    )
    assert reversed_.status_code == 400
    assert attrs(reversed_) == {"end"}
    overlap = api.post(
        "/api/v1/cycles/", {**data, "start": "2026-12-01", "end": "2027-03-31"}, format="json"
    )
    assert overlap.status_code == 400
    assert attrs(overlap) == {"start"}
    assert "overlaps" in overlap.json()["errors"][0]["detail"]
    hostile = api.post(
        "/api/v1/cycles/", {**data, "start": "0001-01-01", "review_days": 0}, format="json"
    )
    assert hostile.status_code == 400
    assert attrs(hostile) == {"start", "review_days"}
    assert Cycle.objects.count() == 1


def test_goals_need_a_kpi_and_a_target(api, manager, mail):
    strategy = make_strategy(api, manager, mail).json()["id"]
    cycle = api.post(
        "/api/v1/cycles/",
        {"strategy": strategy, "name": "Q4", "start": "2026-10-01", "end": "2026-12-31"},
        format="json",
    ).json()["id"]
    bad = api.post(
        "/api/v1/goals/", {"cycle": cycle, "name": "Vague", "direction": "at_most"}, format="json"
    )
    assert bad.status_code == 400
    assert attrs(bad) == {"kpi", "target"}
    good = api.post(
        "/api/v1/goals/",
        {"cycle": cycle, "name": "P1 MTTR", "kpi": "mttr_hours", "target": 4,
         "direction": "at_most", "priorities": [1, 1, 2], "services": [mail.pk]},
        format="json",
    )  # fmt: skip
    assert good.status_code == 201, good.json()
    assert good.json()["priorities"] == [1, 2]
    assert Goal.objects.get().services.get() == mail


@pytest.fixture
def goal(manager, mail):
    strategy = Strategy.objects.create(
        name="Stable mail", vision="v", owner=manager,
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


def test_reviews_are_read_only_with_snapshots_findings_and_checks(api, goal):
    IncidentFactory(
        service=goal.services.get(), opened_at=T0 + dt.timedelta(days=1),
        resolved_at=T0 + dt.timedelta(days=1, hours=9), state="resolved",
    )  # fmt: skip
    review_run(cycle_id=goal.cycle_id, period_start=T0, period_end=T0 + dt.timedelta(days=7))
    body = api.get("/api/v1/reviews/").json()["results"][0]
    assert body["snapshots"][0]["status"] == "off_track"
    assert body["snapshots"][0]["value"] == 9.0
    finding = next(f for f in body["findings"] if f["kind"] == "goal_off_track")
    assert finding["action"] == ImprovementAction.objects.get().pk
    assert body["action_checks"] == []
    assert api.post("/api/v1/reviews/", {}, format="json").status_code == 405


def test_actions_through_the_api(api, goal, manager):
    response = api.post(
        "/api/v1/improvement-actions/",
        {"title": "Runbook", "owner": manager.pk, "due_date": "2026-11-01", "goal": goal.pk,
         "problem": "PRB9999999"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert attrs(response) == {"problem"}
    response = api.post(
        "/api/v1/improvement-actions/",
        {"title": "Runbook", "owner": manager.pk, "due_date": "2026-11-01", "goal": goal.pk},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201
    url = "/api/v1/improvement-actions/{id}/".format(id=response.json()["id"])
    done = api.patch(url, {"status": "done"}, format="json", HTTP_IF_MATCH=response["ETag"])
    assert done.status_code == 200
    assert done.json()["completed_at"] is not None


def test_the_strategic_queue_triage_and_decide(api_client, api, goal, agent):
    incident = IncidentFactory(service=goal.services.get())
    agent_api = api_client(agent)
    missing = agent_api.post(
        "/api/v1/strategic-items/",
        {"kind": "incident", "number": incident.number, "reason": ""},
        format="json",
    )
    assert missing.status_code == 400
    assert attrs(missing) == {"reason"}
    unknown = agent_api.post(
        "/api/v1/strategic-items/",
        {"kind": "incident", "number": "INC9999999", "reason": "x"},
        format="json",
    )
    assert unknown.status_code == 404
    created = agent_api.post(
        "/api/v1/strategic-items/",
        {"kind": "incident", "number": incident.number.lower(), "reason": "Recurs weekly"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    item = created.json()
    assert item["incident"]["number"] == incident.number
    decide = "/api/v1/strategic-items/{id}/decide/".format(id=item["id"])
    assert agent_api.post(decide, {}, format="json").status_code == 403
    assert api.get("/api/v1/strategic-items/?decided=false").json()["count"] == 1
    bad = api.post(decide, {"decision": "maybe", "note": "x"}, format="json")
    assert bad.status_code == 400
    ok = api.post(decide, {"decision": "accept_risk", "note": "Vendor fix in Q1"}, format="json")
    assert ok.status_code == 200
    assert ok.json()["decision"] == "accept_risk"
    again = api.post(decide, {"decision": "accept_risk", "note": "x"}, format="json")
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "already_decided"
    assert api.get("/api/v1/strategic-items/?decided=false").json()["count"] == 0
    assert StrategicItem.objects.get().decided_by is not None
