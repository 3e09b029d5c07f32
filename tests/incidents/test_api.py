"""Incident API: visibility, create, If-Match, transitions, comments, history, errors."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from incidents.models import Incident
from tests.factories import IncidentFactory, ServiceFactory, SupportGroupFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/incidents/"


def detail(number, suffix=""):
    return "{url}{n}/{s}".format(url=URL, n=number, s=suffix)


@pytest.fixture
def service(agent):
    group = SupportGroupFactory(name="Desk")
    group.members.add(agent)
    return ServiceFactory(name="Mail", support_group=group)


def create(client, svc, **data):
    return client.post(URL, {"title": "Mail down", "service": svc.pk, **data}, format="json")


class TestVisibility:
    def test_requester_lists_only_own_incidents(self, api_client, requester, other_requester):
        mine = IncidentFactory(caller=requester)
        IncidentFactory(caller=other_requester)
        body = api_client(requester).get(URL).json()
        assert [i["number"] for i in body["results"]] == [mine.number]

    def test_requester_gets_404_for_anothers_incident(self, api_client, requester, other_requester):
        theirs = IncidentFactory(caller=other_requester)
        response = api_client(requester).get(detail(theirs.number))
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"

    def test_watcher_sees_the_incident(self, api_client, requester, other_requester):
        theirs = IncidentFactory(caller=other_requester)
        theirs.watchers.add(requester)
        assert api_client(requester).get(detail(theirs.number)).status_code == 200

    def test_staff_sees_all(self, api_client, agent, requester):
        IncidentFactory(caller=requester)
        assert api_client(agent).get(URL).json()["count"] == 1

    def test_anonymous_is_401(self, api_client):
        assert api_client().get(URL).status_code == 401


class TestCreate:
    def test_the_created_body_is_what_a_get_says(self, api_client, agent, manager, service):
        """The 201 body is built from the incident as created, not read back: it must equal
        the incident's representation read from the database, at the same instant."""
        parent = create(api_client(agent), service).json()
        with time_machine.travel(timezone.now(), tick=False):
            client = api_client(agent)
            response = create(
                client, service, impact=1, urgency=2, caller=manager.pk, assignee=agent.pk,
                parent=parent["number"], description="Line one\r\nline two  ",
            )  # fmt: skip
            assert response.status_code == 201, response.json()
            assert response.json() == client.get(response["Location"]).json()
            assert response["ETag"] == client.get(response["Location"])["ETag"]

    def test_agent_creates_with_derived_priority(self, api_client, agent, service):
        response = create(api_client(agent), service, impact=1, urgency=2)
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["priority"] == 2
        assert body["number"].startswith("INC")
        assert body["assignment_group"]["name"] == "Desk"
        assert body["sla"]["state"] in ("none", "running")
        assert response["ETag"].startswith('"inc-')
        assert response["Location"].endswith(detail(body["number"]))

    def test_priority_in_create_is_ignored_unless_overridden_later(
        self, api_client, agent, service
    ):
        body = create(api_client(agent), service, impact=3, urgency=3, priority=1).json()
        assert body["priority"] == 5

    @pytest.mark.parametrize(
        ("payload", "attr"),
        [
            ({"impact": 7}, "impact"),
            ({"urgency": "high"}, "urgency"),
            ({"service": 99999}, "service"),
            ({"title": ""}, "title"),
            ({"title": 42}, "title"),
        ],
    )
    def test_bad_fields_are_400_naming_the_field(self, api_client, agent, service, payload, attr):
        response = create(api_client(agent), service, **payload)
        assert response.status_code == 400
        assert attr in {e["attr"] for e in response.json()["errors"]}
        assert not Incident.objects.exists()


class TestUpdateAndTransitions:
    def test_patch_needs_if_match(self, api_client, agent, service):
        client = api_client(agent)
        number = create(client, service).json()["number"]
        response = client.patch(detail(number), {"impact": 1}, format="json")
        assert response.status_code == 428

    def test_patch_with_etag_then_stale_etag(self, api_client, agent, service):
        client = api_client(agent)
        created = create(client, service)
        number, etag = created.json()["number"], created["ETag"]
        ok = client.patch(detail(number), {"impact": 1}, format="json", HTTP_IF_MATCH=etag)
        assert ok.status_code == 200
        assert ok.json()["priority"] == 3  # impact 1 × urgency 3
        stale = client.patch(detail(number), {"title": "x"}, format="json", HTTP_IF_MATCH=etag)
        assert stale.status_code == 412
        assert stale.json()["current"]["version"] == 2

    def test_transition_flow_and_refusals(self, api_client, agent, service):
        client = api_client(agent)
        created = create(client, service)
        number = created.json()["number"]
        url = detail(number, "transitions/resolve/")
        assert client.post(url, {}, format="json").status_code == 428
        refused = client.post(url, {}, format="json", HTTP_IF_MATCH=created["ETag"])
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["code"] == "resolution_code_required"
        done = client.post(
            url,
            {"resolution_code": "fixed", "resolution_notes": "Restarted"},
            format="json",
            HTTP_IF_MATCH=created["ETag"],
        )
        assert done.status_code == 200
        assert done.json()["state"] == "resolved"
        wrong_state = client.post(
            detail(number, "transitions/start/"), {}, format="json", HTTP_IF_MATCH=done["ETag"]
        )
        assert wrong_state.status_code == 409
        assert wrong_state.json()["errors"][0]["code"] == "invalid_source_state"
        unknown = client.post(
            detail(number, "transitions/explode/"), {}, format="json", HTTP_IF_MATCH=done["ETag"]
        )
        assert unknown.status_code == 404

    def test_requester_cannot_patch(self, api_client, requester, service):
        client = api_client(requester)
        created = create(client, service)
        response = client.patch(
            detail(created.json()["number"]),
            {"title": "x"},
            format="json",
            HTTP_IF_MATCH=created["ETag"],
        )
        assert response.status_code == 403


class TestCommentsAndHistory:
    def test_requester_sees_public_comments_only(self, api_client, agent, requester, service):
        number = create(api_client(requester), service).json()["number"]
        staff = api_client(agent)
        assert (
            staff.post(detail(number, "comments/"), {"body": "On it"}, format="json").status_code
            == 201
        )
        assert (
            staff.post(
                detail(number, "comments/"), {"body": "Secret", "kind": "work_note"}, format="json"
            ).status_code
            == 201
        )
        bodies = [c["body"] for c in api_client(requester).get(detail(number, "comments/")).json()]
        assert bodies == ["On it"]
        assert len(staff.get(detail(number, "comments/")).json()) == 2

    def test_history_is_read_only_and_staff_only(self, api_client, agent, requester, service):
        created = create(api_client(requester), service)
        number = created.json()["number"]
        api_client(agent).post(
            detail(number, "transitions/start/"), {}, format="json", HTTP_IF_MATCH=created["ETag"]
        )
        rows = api_client(agent).get(detail(number, "history/")).json()
        assert [r["state"] for r in rows] == ["new", "in_progress"]
        assert api_client(requester).get(detail(number, "history/")).status_code == 403
        assert api_client(agent).post(detail(number, "history/"), {}).status_code == 405


class TestRepresentation:
    def test_written_out_representation_equals_drf_rendering(self, api_client, agent, manager):
        """The list's hand-written to_representation must say what the declared fields say,
        for every shape of incident: with and without SLA, assignee, group, parent; resolved."""
        from rest_framework import serializers

        from incidents import selectors
        from incidents.api.serializers import IncidentOutputSerializer
        from tests.factories import SlaPolicyFactory

        group = SupportGroupFactory(name="Desk")
        group.members.add(agent)
        with_sla = ServiceFactory(support_group=group, sla_policy=SlaPolicyFactory())
        client = api_client(agent)
        parent = create(client, with_sla, impact=1, urgency=1).json()
        child = create(client, with_sla, parent=parent["number"])
        number = child.json()["number"]
        response = client.post(
            detail(number, "transitions/resolve/"),
            {"resolution_code": "workaround", "resolution_notes": "Restarted."},
            format="json",
            HTTP_IF_MATCH=child["ETag"],
        )
        assert response.status_code == 200, response.content
        IncidentFactory(assignment_group=None, caller=manager)  # no group, no SLA
        rows = list(selectors.incident_list(actor=agent))
        assert len(rows) == 3
        serializer = IncidentOutputSerializer()
        for incident in rows:
            generic = serializers.ModelSerializer.to_representation(serializer, incident)
            assert serializer.to_representation(incident) == dict(generic)
        # The list reads values, not instances: every row must equal the incident's own
        # representation, taken at the same instant (the SLA figures count seconds).
        with time_machine.travel(timezone.now() + dt.timedelta(hours=3), tick=False):
            listed = client.get(URL).json()["results"]
            for row in listed:
                assert row == client.get(detail(row["number"])).json(), row["number"]
        by_number = {i["number"]: i for i in listed}
        assert by_number[number]["parent"] == parent["number"]
        assert by_number[number]["state"] == "resolved"
        assert by_number[number]["sla"]["percent"] is not None
        assert {i["assignment_group"] is None for i in listed} == {True, False}


def test_list_counts_up_to_the_cap_and_pages_on_past_it(api_client, agent, monkeypatch):
    """Past the cap `count` is null and every page can still be reached by `next`; a page
    beyond the last row is a 404, as below the cap."""
    from core.paginators import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "CAP", 3)
    made = {IncidentFactory().number for _ in range(7)}
    client = api_client(agent)
    seen, url, pages = [], URL + "?page_size=2", 0
    while url:
        body = client.get(url).json()
        assert body["count"] is None
        seen += [row["number"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 4
    assert sorted(seen) == sorted(made)
    assert client.get(URL + "?page_size=2&page=5").status_code == 404
    monkeypatch.setattr(CappedPaginator, "CAP", 10)
    body = client.get(URL + "?page_size=2&page=4").json()
    assert (body["count"], body["next"], len(body["results"])) == (7, None, 1)


def test_filters_apply_and_are_validated_only_when_named(api_client, agent):
    """An unfiltered list skips the FilterSet; a named filter is applied, a bad one is a 400
    naming the field, and parameters that are no filter are ignored."""
    IncidentFactory(state="new")
    IncidentFactory(state="closed")
    client = api_client(agent)
    assert client.get(URL + "?unrelated=1").json()["count"] == 2
    assert client.get(URL + "?state=closed").json()["count"] == 1
    response = client.get(URL + "?state=bogus")
    assert response.status_code == 400
    assert "state" in str(response.json())


def test_list_rows_come_from_the_cache_yet_show_every_change_and_this_instants_sla(
    api_client, agent, service
):
    """A second look reads only the page's ids and versions; a row equals the incident's
    own GET at that instant all the same (its SLA figures are computed, not cached), and
    an edit shows on the next look."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import SlaPolicyFactory

    service.sla_policy = SlaPolicyFactory(always_on=True)  # its clocks run at any hour
    service.save()
    client = api_client(agent)
    numbers = [create(client, service, title="Mail down {n}".format(n=n)).json()["number"]
               for n in range(3)]  # fmt: skip
    start = timezone.now().replace(second=5, microsecond=0) + dt.timedelta(minutes=1)
    with time_machine.travel(start, tick=False):
        first = client.get(URL).json()["results"]
    with time_machine.travel(start + dt.timedelta(seconds=40), tick=False):
        with CaptureQueriesContext(connection) as queries:
            cached = client.get(URL).json()["results"]
        assert not [
            q for q in queries.captured_queries if '"incidents_incident"."title"' in q["sql"]
        ]
        for row in cached:
            assert row == client.get(detail(row["number"])).json(), row["number"]
    assert [row["number"] for row in cached] == [row["number"] for row in first]
    for before, now in zip(first, cached, strict=True):
        assert now["sla"]["remaining_seconds"] == before["sla"]["remaining_seconds"] - 40
    etag = client.get(detail(numbers[1]))["ETag"]
    response = client.patch(detail(numbers[1]), {"title": "Mail slow"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()
    with time_machine.travel(start + dt.timedelta(seconds=50), tick=False):
        titles = {row["number"]: row["title"] for row in client.get(URL).json()["results"]}
    assert titles[numbers[1]] == "Mail slow"
    assert titles[numbers[0]] == "Mail down 0"


def test_a_list_page_gets_rows_of_its_own(api_client, agent, service):
    """The rows are kept in the process and shared: what one page does to its rows (nested
    ones too) does not reach the next page."""
    from incidents import selectors
    from incidents.api import serializers as s

    create(api_client(agent), service, title="Mail down")
    visible = selectors.incident_list(actor=agent)
    pairs = list(visible.values_list("pk", "version"))

    def page():
        return s.incident_list_page(
            pairs,
            lambda ids: visible.filter(pk__in=ids).values(*s.LIST_VALUES),
            s.IncidentOutputSerializer(),
        )

    mine = page()
    mine[0]["title"] = mine[0]["service"]["name"] = mine[0]["caller"]["username"] = "changed"
    again = page()[0]
    assert (again["title"], again["service"]["name"]) == ("Mail down", service.name)
    assert again["caller"]["username"] == agent.username


def test_a_list_keeps_no_row_with_a_long_text(api_client, agent, service):
    """A row whose description is long (a pasted log) is shown in full each time but not
    kept in the process's memory; the short ones are."""
    from core import cache as caching

    client = api_client(agent)
    log = "kernel: eth0 link down\n" * 400
    create(client, service, title="Pasted log", description=log)
    create(client, service, title="Short")
    for _ in range(2):
        rows = {row["title"]: row for row in client.get(URL).json()["results"]}
        assert rows["Pasted log"]["description"] == log
    kept = [value[0]["title"] for key, (_t, value) in caching._local.items() if "apirow" in key]
    assert kept == ["Short"]


def test_create_reads_its_service_from_the_cache_and_follows_every_change(
    api_client, agent, service
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import SlaPolicyFactory

    client = api_client(agent)
    assert create(client, service).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        assert create(client, service).status_code == 201
    assert not [q for q in queries.captured_queries if 'FROM "catalog_service"' in q["sql"]]
    service.name = "E-mail"
    service.support_group = SupportGroupFactory(name="Mail team")
    service.save()
    body = create(client, service).json()
    assert body["service"]["name"] == "E-mail"
    assert body["assignment_group"]["name"] == "Mail team"
    policy = SlaPolicyFactory(always_on=True)
    service.sla_policy = policy
    service.save()
    assert create(client, service).json()["sla"]["state"] == "running"
    policy.targets.all().delete()  # no target for its priority now: no clock
    assert create(client, service).json()["sla"]["state"] == "none"
    for value, code in ((service.pk + 1000, "does_not_exist"), ("abc", "incorrect_type"),
                        (True, "incorrect_type"), ([service.pk], "incorrect_type"),
                        (1e300, "does_not_exist"), (2**70, "does_not_exist")):  # fmt: skip
        response = client.post(URL, {"title": "x", "service": value}, format="json")
        assert response.status_code == 400, value
        assert response.json()["errors"][0]["code"] == code, value
    unused = ServiceFactory(name="Fax")
    assert create(client, unused, title="").status_code == 400  # its service is cached
    gone = unused.pk
    unused.delete()
    response = client.post(URL, {"title": "Mail down", "service": gone}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "does_not_exist", response.json()
