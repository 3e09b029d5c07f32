"""Records → cycles: every incident, problem and change is linked to the cycle whose period
and scope cover it — automatically (set-based, constant queries), editable by hand — and
cycles of the same scope may not overlap."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from changes.models import Change
from pdca.models import RecordCycle, Strategy
from pdca.services import (
    cycle_create,
    cycle_update,
    record_cycle_set,
    record_links_refresh,
    review_run,
)
from problems.models import Problem
from tests.factories import IncidentFactory, ServiceFactory, UserFactory

TZ = ZoneInfo("Europe/Stockholm")


def at(day, hour=12):
    return dt.datetime(2026, 10, day, hour, tzinfo=TZ)


@pytest.fixture
def mail(db):
    return ServiceFactory(name="Mail")


@pytest.fixture
def strategy(db, mail):
    strategy = Strategy.objects.create(
        name="Stable mail", vision="Mail just works.", owner=UserFactory(username="owner"),
        horizon_start=dt.date(2026, 1, 1), horizon_end=dt.date(2027, 12, 31),
    )  # fmt: skip
    strategy.services.add(mail)
    return strategy


def cycle_data(strategy, start, end, name="Oct"):
    return {"strategy": strategy, "name": name, "start": start, "end": end, "review_days": 7}


@pytest.mark.django_db
def test_a_new_cycle_links_the_records_its_period_and_scope_cover(strategy, mail, manager):
    inside = IncidentFactory(service=mail, opened_at=at(10))
    last_day = IncidentFactory(service=mail, opened_at=at(31, 23))
    before = IncidentFactory(service=mail, opened_at=at(1))
    other_service = IncidentFactory(opened_at=at(10))
    problem = Problem.objects.create(
        number="PRB0000001", title="Queue", service=mail, opened_by=manager, opened_at=at(12)
    )
    change = Change.objects.create(
        number="CHG0000001", title="Patch", service=mail, opened_by=manager, opened_at=at(13)
    )
    cycle = cycle_create(
        actor=manager, data=cycle_data(strategy, dt.date(2026, 10, 5), dt.date(2026, 10, 31))
    )
    linked = set(RecordCycle.objects.filter(cycle=cycle).values_list("incident_id", flat=True))
    assert linked == {inside.pk, last_day.pk, None}
    assert before.pk not in linked
    assert other_service.pk not in linked
    assert RecordCycle.objects.get(problem=problem).cycle == cycle
    assert RecordCycle.objects.get(change=change).cycle == cycle


@pytest.mark.django_db
def test_linking_runs_in_constant_queries(strategy, mail, manager):
    cycle = cycle_create(
        actor=manager, data=cycle_data(strategy, dt.date(2026, 10, 5), dt.date(2026, 10, 31))
    )
    counts = []
    for n in (2, 20):
        for i in range(n):
            IncidentFactory(service=mail, opened_at=at(6 + i % 20))
        with CaptureQueriesContext(connection) as ctx:
            record_links_refresh(cycle_id=cycle.pk)
        counts.append(len(ctx))
    assert counts[0] == counts[1]
    assert RecordCycle.objects.filter(cycle=cycle).count() == 22


@pytest.mark.django_db
def test_a_hand_set_link_stays_and_automatic_takes_it_back(strategy, mail, manager):
    october = cycle_create(
        actor=manager, data=cycle_data(strategy, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    )
    november = cycle_create(
        actor=manager,
        data=cycle_data(strategy, dt.date(2026, 11, 1), dt.date(2026, 11, 30), name="Nov"),
    )
    incident = IncidentFactory(service=mail, opened_at=at(20))
    record_links_refresh(cycle_id=october.pk)
    assert RecordCycle.objects.get(incident=incident).cycle == october
    record_cycle_set(actor=manager, kind="incident", record=incident.number, cycle_id=november.pk)
    cycle_update(  # a rebuild of October's automatic links leaves the hand-set one alone
        actor=manager,
        cycle_id=october.pk,
        expected_version=october.version,
        data={"end": dt.date(2026, 10, 30)},
    )
    link = RecordCycle.objects.get(incident=incident)
    assert (link.cycle, link.manual) == (november, True)
    link = record_cycle_set(actor=manager, kind="incident", record=incident.number, cycle_id=None)
    assert (link.cycle, link.manual) == (october, False)


@pytest.mark.django_db
def test_reviews_link_records_opened_since(strategy, mail, manager):
    cycle = cycle_create(
        actor=manager, data=cycle_data(strategy, dt.date(2026, 10, 5), dt.date(2026, 12, 31))
    )
    incident = IncidentFactory(service=mail, opened_at=at(7))
    review_run(cycle_id=cycle.pk, period_start=at(5, 0), period_end=at(12, 0))
    assert RecordCycle.objects.get(incident=incident).cycle == cycle


@pytest.mark.django_db
def test_cycles_of_the_same_scope_may_not_overlap(strategy, mail, manager):
    cycle_create(
        actor=manager, data=cycle_data(strategy, dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    )
    with pytest.raises(ValidationError) as err:
        cycle_create(
            actor=manager,
            data=cycle_data(strategy, dt.date(2026, 12, 1), dt.date(2027, 3, 31), name="Q1"),
        )
    assert "overlaps" in err.value.message_dict["start"][0]
    # another strategy sharing the service is the same scope too; one covering all as well
    everything = Strategy.objects.create(
        name="All", vision="v", owner=manager,
        horizon_start=dt.date(2026, 1, 1), horizon_end=dt.date(2027, 1, 1),
    )  # fmt: skip
    with pytest.raises(ValidationError):
        cycle_create(
            actor=manager,
            data=cycle_data(everything, dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
        )
    # a strategy for another service may run at the same time
    other = Strategy.objects.create(
        name="Other", vision="v", owner=manager,
        horizon_start=dt.date(2026, 1, 1), horizon_end=dt.date(2027, 1, 1),
    )  # fmt: skip
    other.services.add(ServiceFactory(name="VPN"))
    cycle_create(actor=manager, data=cycle_data(other, dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
    with pytest.raises(ValidationError) as err:
        cycle_create(
            actor=manager, data=cycle_data(other, dt.date(2027, 2, 1), dt.date(2027, 1, 1))
        )
    assert "end" in err.value.message_dict


@pytest.mark.django_db
def test_the_incident_panel_shows_and_sets_the_cycle(client, strategy, mail, manager):
    cycle = cycle_create(
        actor=manager, data=cycle_data(strategy, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    )
    incident = IncidentFactory(service=mail, opened_at=at(20))
    record_links_refresh(cycle_id=cycle.pk)
    client.force_login(manager)
    page = client.get(reverse("incidents:incident_detail", args=[incident.number]))
    assert b'id="pdca-panel"' in page.content
    assert str(cycle).encode() in page.content
    response = client.post(reverse("pdca:incident_cycle", args=[incident.number]), {"cycle": ""})
    assert response.status_code == 302
    assert RecordCycle.objects.get(incident=incident).manual is False


@pytest.mark.django_db
def test_problems_and_changes_are_linked_by_hand_on_the_cycle_page_and_the_api(
    client, api_client, strategy, mail, manager, agent
):
    october = cycle_create(
        actor=manager, data=cycle_data(strategy, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    )
    november = cycle_create(
        actor=manager,
        data=cycle_data(strategy, dt.date(2026, 11, 1), dt.date(2026, 11, 30), name="Nov"),
    )
    problem = Problem.objects.create(
        number="PRB0000001", title="Queue", service=mail, opened_by=manager, opened_at=at(12)
    )
    change = Change.objects.create(
        number="CHG0000001", title="Patch", service=mail, opened_by=manager, opened_at=at(13)
    )
    client.force_login(manager)
    page = client.get(reverse("pdca:cycle_detail", args=[november.pk]))
    assert b'id="link-form"' in page.content
    client.post(
        reverse("pdca:cycle_link", args=[november.pk]), {"kind": "problem", "number": "prb0000001"}
    )
    link = RecordCycle.objects.get(problem=problem)
    assert (link.cycle, link.manual) == (november, True)
    missing = client.post(
        reverse("pdca:cycle_link", args=[november.pk]),
        {"kind": "change", "number": "CHG0000999"},
        follow=True,
    )
    assert b"No record with this number." in missing.content

    api = api_client(manager)
    body = {"kind": "change", "number": change.number, "cycle": november.pk}
    response = api.post("/api/v1/record-cycles/", body, format="json")
    assert response.status_code == 200
    assert response.json()["cycle"] == {"id": november.pk, "name": "Nov"}
    assert response.json()["manual"] is True
    back = api.post("/api/v1/record-cycles/", {**body, "cycle": None}, format="json")
    assert back.json()["cycle"]["id"] == october.pk
    assert back.json()["manual"] is False
    bad = api.post("/api/v1/record-cycles/", {**body, "cycle": 10**20}, format="json")
    assert bad.status_code == 400
    assert api_client(agent).post("/api/v1/record-cycles/", body, format="json").status_code == 403


@pytest.mark.django_db
def test_the_incident_page_reads_its_panels_with_the_incident(client, strategy, mail, manager):
    """The links to a problem, to the change that caused it and to a cycle come joined to
    the incident's one query; the problem and the change are read only when linked, the
    cycle from the row cache; the strategic queue is read only when the incident waits
    there; the service's known errors come from the cache until a problem changes."""
    from changes.services import change_link_caused_incident
    from pdca.services import strategic_triage
    from problems.services import problem_link_incident
    from tests.changes.test_services import raise_change

    cycle = cycle_create(
        actor=manager, data=cycle_data(strategy, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    )
    linked = IncidentFactory(service=mail, opened_at=at(20))
    bare = IncidentFactory(service=mail, opened_at=at(21))
    record_links_refresh(cycle_id=cycle.pk)
    problem = Problem.objects.create(
        number="PRB0000001", title="Queue stuck", service=mail, opened_by=manager,
        opened_at=at(12), known_error=True, known_error_published_at=at(13),
        workaround="Restart **the** relay",
    )  # fmt: skip
    problem_link_incident(actor=manager, problem=problem.number, incident=linked.number)
    change = raise_change(manager, mail, title="Relay upgrade")
    change_link_caused_incident(actor=manager, change=change.number, incident=linked.number)
    strategic_triage(actor=manager, kind="incident", record=linked.number, reason="Keeps coming")
    client.force_login(manager)

    def look(incident):
        url = reverse("incidents:incident_detail", args=[incident.number])
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        return page, [q["sql"] for q in queries.captured_queries]

    look(linked)  # the known errors are cached from here on
    page, sql = look(linked)
    for shown in (problem.number, "Queue stuck", change.number, "Relay upgrade", str(cycle),
                  "Keeps coming", "Restart <strong>the</strong> relay"):  # fmt: skip
        assert shown in page
    for table in ("problems_problemincident", "changes_changecausedincident", "pdca_recordcycle",
                  "pdca_cycle"):  # fmt: skip
        assert not [q for q in sql if q.startswith('SELECT "{t}"'.format(t=table))]
    # The linked problem and change by their keys; the known errors not at all.
    for table in ("problems_problem", "changes_change"):
        read = [q for q in sql if q.startswith('SELECT "{t}"'.format(t=table))]
        assert len(read) == 1
        assert 'WHERE "{t}"."id" = '.format(t=table) in read[0]
    assert [q for q in sql if q.startswith('SELECT "pdca_strategicitem"')]

    page, sql = look(bare)
    assert "Link to problem" in page  # offered only when not linked
    assert "Relay upgrade" not in page
    assert "Restart <strong>the</strong> relay" in page  # its service's known error
    assert not [q for q in sql if q.startswith('SELECT "pdca_strategicitem"')]
    assert not [q for q in sql if q.startswith(('SELECT "problems_problem"', 'SELECT "changes_'))]

    problem.workaround = "Flush the relay queue"
    problem.save()
    page, _sql = look(bare)
    assert "Flush the relay queue" in page
    assert "Restart" not in page
