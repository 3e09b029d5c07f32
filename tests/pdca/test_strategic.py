"""Strategic vs operational: triage with a reason, escalation by reviews (a goal off track
twice, incidents recurring after their problem was resolved), the queue, and decisions that
return the subject to the line."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from core.exceptions import DomainError, PermissionDenied
from pdca.models import Cycle, Goal, ImprovementAction, StrategicItem, Strategy
from pdca.services import review_run, strategic_decide, strategic_triage
from problems.models import Problem, ProblemIncident
from tests.factories import IncidentFactory, ServiceFactory, UserFactory

T0 = dt.datetime(2026, 10, 5, tzinfo=ZoneInfo("Europe/Stockholm"))
WEEK = dt.timedelta(days=7)


@pytest.fixture
def goal(db):
    strategy = Strategy.objects.create(
        name="Stable mail", vision="Mail just works.", owner=UserFactory(username="owner"),
        horizon_start=dt.date(2026, 1, 1), horizon_end=dt.date(2027, 12, 31),
    )  # fmt: skip
    cycle = Cycle.objects.create(
        strategy=strategy, name="Q4", start=dt.date(2026, 10, 5), end=dt.date(2026, 12, 31)
    )
    goal = Goal.objects.create(
        cycle=cycle, name="MTTR ≤ 4 h", kpi="mttr_hours", target=4, direction="at_most"
    )
    goal.services.add(ServiceFactory(name="Mail"))
    return goal


def slow_fix(goal, day):
    opened = T0 + dt.timedelta(days=day)
    IncidentFactory(
        service=goal.services.get(),
        opened_at=opened,
        resolved_at=opened + dt.timedelta(hours=9),
        state="resolved",
    )


def two_off_track_reviews(goal):
    slow_fix(goal, 1)
    slow_fix(goal, 8)
    review_run(cycle_id=goal.cycle_id, period_start=T0, period_end=T0 + WEEK)
    review_run(cycle_id=goal.cycle_id, period_start=T0 + WEEK, period_end=T0 + 2 * WEEK)


@pytest.mark.django_db
def test_a_goal_off_track_twice_is_escalated_once(goal):
    two_off_track_reviews(goal)
    item = StrategicItem.objects.get()
    assert (item.kind, item.goal, item.decided_at) == ("goal", goal, None)
    assert "second review in a row" in item.reason
    slow_fix(goal, 15)  # a third off-track review does not add a second open item
    review_run(cycle_id=goal.cycle_id, period_start=T0 + 2 * WEEK, period_end=T0 + 3 * WEEK)
    assert StrategicItem.objects.count() == 1


@pytest.mark.django_db
def test_incidents_recurring_after_their_problem_was_resolved_are_escalated(goal, agent):
    service = goal.services.get()
    problem = Problem.objects.create(
        number="PRB0000001", title="Mail queue stalls", service=service, opened_by=agent,
        state="resolved", resolved_at=T0 - dt.timedelta(days=3),
    )  # fmt: skip
    for day in (1, 2, 3):  # three incidents on it after it was "resolved"
        incident = IncidentFactory(service=service, opened_at=T0 + dt.timedelta(days=day))
        ProblemIncident.objects.create(problem=problem, incident=incident, linked_by=agent)
    review = review_run(cycle_id=goal.cycle_id, period_start=T0, period_end=T0 + WEEK)
    finding = review.findings.get(kind="recurring_after_fix")
    assert finding.strategic
    assert "3 incidents recurred after PRB0000001" in finding.text
    item = StrategicItem.objects.get(kind="recurring")
    assert item.problem == problem
    assert finding.action is not None  # and an action is proposed for it


@pytest.mark.django_db
def test_triage_needs_a_reason_and_the_permission(goal, agent, requester):
    incident = IncidentFactory(service=goal.services.get())
    with pytest.raises(DomainError) as err:
        strategic_triage(actor=agent, kind="incident", record=incident.number, reason="  ")
    assert err.value.code == "reason_required"
    with pytest.raises(PermissionDenied):
        strategic_triage(actor=requester, kind="incident", record=incident.number, reason="x")
    item = strategic_triage(
        actor=agent, kind="incident", record=incident.number, reason="Third outage this month"
    )
    incident.refresh_from_db()
    assert incident.pdca_scope == "strategic"
    assert item.raised_by == agent
    with pytest.raises(DomainError) as err:
        strategic_triage(actor=agent, kind="incident", record=incident.number, reason="again")
    assert err.value.code == "already_strategic"


@pytest.mark.django_db
def test_deciding_records_the_decision_and_returns_the_record_to_the_line(goal, agent, manager):
    incident = IncidentFactory(service=goal.services.get())
    item = strategic_triage(actor=agent, kind="incident", record=incident.pk, reason="Recurs")
    with pytest.raises(PermissionDenied):
        strategic_decide(actor=agent, item_id=item.pk, decision="accept_risk", note="ok")
    with pytest.raises(DomainError) as err:
        strategic_decide(actor=manager, item_id=item.pk, decision="accept_risk", note="")
    assert err.value.field == "note"
    with pytest.raises(DomainError) as err:  # a record has no goal to revise
        strategic_decide(actor=manager, item_id=item.pk, decision="revise_goal", note="x")
    assert err.value.code == "goal_required"
    item = strategic_decide(
        actor=manager, item_id=item.pk, decision="new_action", note="Replace the relay"
    )
    incident.refresh_from_db()
    assert incident.pdca_scope == "operational"
    assert (item.decision, item.decided_by) == ("new_action", manager)
    action = ImprovementAction.objects.get()
    assert item.action == action
    assert action.description == "Replace the relay"
    assert action.status == "planned"
    with pytest.raises(DomainError) as err:
        strategic_decide(actor=manager, item_id=item.pk, decision="accept_risk", note="again")
    assert err.value.code == "already_decided"


@pytest.mark.django_db
def test_revising_a_goal_sets_its_new_target(goal, manager):
    two_off_track_reviews(goal)
    item = StrategicItem.objects.get()
    strategic_decide(
        actor=manager, item_id=item.pk, decision="revise_goal", note="Unrealistic", new_target=8
    )
    goal.refresh_from_db()
    assert goal.target == 8
    assert goal.version == 2


@pytest.mark.django_db
def test_records_set_strategic_on_their_form_join_the_queue_at_the_next_review(goal):
    incident = IncidentFactory(service=goal.services.get(), pdca_scope="strategic")
    review_run(cycle_id=goal.cycle_id, period_start=T0, period_end=T0 + WEEK)
    item = StrategicItem.objects.get(incident=incident)
    assert item.kind == "record"
    review_run(cycle_id=goal.cycle_id, period_start=T0 + WEEK, period_end=T0 + 2 * WEEK)
    assert StrategicItem.objects.filter(incident=incident).count() == 1


@pytest.mark.django_db
def test_the_incident_page_triages_and_the_queue_decides(client, goal, agent, manager):
    incident = IncidentFactory(service=goal.services.get())
    client.force_login(agent)
    page = client.get(reverse("incidents:incident_detail", args=[incident.number]))
    assert b"Triage strategic" in page.content
    client.post(
        reverse("pdca:incident_triage", args=[incident.number]), {"reason": "<b>Recurs</b>"}
    )
    item = StrategicItem.objects.get()
    client.force_login(manager)
    queue = client.get(reverse("pdca:strategic_list"))
    assert incident.number.encode() in queue.content
    assert b"&lt;b&gt;Recurs" in queue.content  # escaped
    bad = client.post(
        reverse("pdca:strategic_decide", args=[item.pk]), {"decision": "accept_risk", "note": ""}
    )
    assert bad.status_code == 200
    assert b"Write a note for the decision." in bad.content
    ok = client.post(
        reverse("pdca:strategic_decide", args=[item.pk]),
        {"decision": "accept_risk", "note": "Vendor fix due in Q1"},
    )
    assert ok.status_code == 302
    item.refresh_from_db()
    assert item.decision == "accept_risk"
    queue = client.get(reverse("pdca:strategic_list"))
    assert incident.number.encode() not in queue.content  # decided: out of the queue
    decided = client.get(reverse("pdca:strategic_list") + "?decided=true")
    assert incident.number.encode() in decided.content


@pytest.mark.django_db
def test_a_problem_is_raised_from_the_queue_page_by_number(client, goal, agent, manager):
    problem = Problem.objects.create(
        number="PRB0000007", title="Mail queue stalls", service=goal.services.get(),
        opened_by=agent,
    )  # fmt: skip
    client.force_login(manager)
    page = client.get(reverse("pdca:strategic_list"))
    assert b'id="raise-form"' in page.content
    response = client.post(
        reverse("pdca:strategic_raise"),
        {"kind": "problem", "number": "prb0000007", "reason": "Needs a new vendor"},
    )
    item = StrategicItem.objects.get(problem=problem)
    assert response["Location"] == item.get_absolute_url()
    problem.refresh_from_db()
    assert problem.pdca_scope == "strategic"
    missing = client.post(
        reverse("pdca:strategic_raise"),
        {"kind": "change", "number": "CHG9999999", "reason": "x"},
        follow=True,
    )
    assert b"No record with this number." in missing.content
    empty = client.post(
        reverse("pdca:strategic_raise"), {"kind": "change", "number": "", "reason": ""}, follow=True
    )
    assert b"Say why this needs a strategic decision." in empty.content
    client.force_login(agent)  # agents may raise, not see the queue
    assert client.get(reverse("pdca:strategic_list")).status_code == 403


@pytest.mark.django_db
def test_findings_link_to_the_records_behind_them(goal):
    slow_fix(goal, 1)
    IncidentFactory(
        service=goal.services.get(), opened_at=T0, sla_state="breached", state="in_progress"
    )
    review = review_run(cycle_id=goal.cycle_id, period_start=T0, period_end=T0 + WEEK)
    urls = dict(review.findings.values_list("kind", "url"))
    assert urls["goal_off_track"] == goal.get_absolute_url()
    assert urls["sla_breaches"].startswith(reverse("incidents:incident_list") + "?sla_state=")
