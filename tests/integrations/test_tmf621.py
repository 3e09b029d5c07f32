"""TMF621 v4 over incidents: every answer validated against the specification's own schema."""

import base64
import copy
import json
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from catalog.choices import Role
from incidents.models import Incident
from tests.conftest import make_user
from tests.factories import ConfigurationItemFactory, ServiceFactory

pytestmark = pytest.mark.django_db

SPEC_PATH = (
    Path(__file__).resolve().parents[2]
    / "integrations/tmf621/spec/TMF621-TroubleTicket-v4.0.0.swagger.json"
)
BASE = "/tmf-api/troubleTicketManagement/v4/troubleTicket"
SPEC_BASE = "/tmf-api/troubleTicket/v4/troubleTicket"
MERGE = "application/merge-patch+json"


def _strict(spec):
    """The spec with additionalProperties: false on every object definition, so a misspelt
    attribute in our answers fails instead of passing as an extension."""
    spec = copy.deepcopy(spec)
    for definition in spec["definitions"].values():
        if definition.get("type") == "object" and "properties" in definition:
            definition["additionalProperties"] = False
    return spec


@pytest.fixture(scope="module")
def spec():
    return json.loads(SPEC_PATH.read_text())


@pytest.fixture(scope="module")
def validate(spec):
    registry = Registry().with_resource(
        "urn:tmf621", Resource.from_contents(_strict(spec), default_specification=DRAFT4)
    )
    checker = jsonschema.FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value):
        if not isinstance(value, str):
            return True
        if "T" not in value or not (value.endswith("Z") or value[-6] in "+-"):
            raise ValueError(value)
        datetime.fromisoformat(value)
        return True

    def check(instance, definition="TroubleTicket", many=False):
        schema = {"$ref": "urn:tmf621#/definitions/" + definition}
        if many:
            schema = {"type": "array", "items": schema}
        jsonschema.Draft4Validator(schema, registry=registry, format_checker=checker).validate(
            instance
        )
        return instance

    return check


@pytest.fixture
def people(db):
    return {
        "agent": make_user("agent", Role.AGENT),
        "caller": make_user("carla", Role.REQUESTER, email="carla@example.com"),
        "other": make_user("otto", Role.REQUESTER),
    }


@pytest.fixture
def service(db):
    return ServiceFactory(name="Mobile network")


def _client(api_client, user):
    return api_client(user)


def _new_ticket(**extra):
    body = {
        "name": "No data on cell 4711",
        "description": "Subscribers near cell 4711 have had no mobile data since 09:12.",
        "severity": "Major",
        "priority": "High",
        "ticketType": "incident",
        "relatedEntity": [{"id": "Mobile network", "@referredType": "Service", "role": "x"}],
    }
    body.update(extra)
    return body


def test_create_maps_onto_an_incident_and_answers_the_spec(api_client, people, service, validate):
    ci = ConfigurationItemFactory(name="enb-4711")
    body = _new_ticket(
        relatedParty=[{"id": "carla", "role": "customer", "@referredType": "Individual"}],
        relatedEntity=[
            {"id": str(service.pk), "@referredType": "Service", "role": "affectedService"},
            {"id": "enb-4711", "@referredType": "ConfigurationItem", "role": "affected"},
        ],
        note=[{"text": "Reported by the NOC.", "author": "noc"}],
        attachment=[
            {"name": "trace.txt", "content": base64.b64encode(b"ping: timeout\n").decode()}
        ],
        channel={"id": "phone", "name": "Phone"},
    )
    response = _client(api_client, people["agent"]).post(BASE, body, format="json")
    assert response.status_code == 201, response.content
    ticket = validate(response.json())
    incident = Incident.objects.get(number=ticket["id"])
    assert response["Location"] == "http://testserver{b}/{n}".format(b=BASE, n=incident.number)
    assert response["ETag"] == '"inc-{pk}-v1"'.format(pk=incident.pk)
    assert (incident.title, incident.caller, incident.service) == (
        "No data on cell 4711", people["caller"], service,
    )  # fmt: skip
    assert (incident.impact, incident.urgency, incident.priority) == (2, 1, 2)
    assert list(incident.cis.all()) == [ci]
    assert incident.contact_channel == "phone"
    assert incident.comments.get().body == "Reported by the NOC."
    assert incident.attachments.get().original_name == "trace.txt"
    assert ticket["severity"] == "Major"
    assert ticket["priority"] == "High"
    assert ticket["status"] == "acknowledged"
    assert ticket["ticketType"] == "incident"
    assert ticket["href"].endswith(BASE + "/" + incident.number)
    assert {p["role"]: p["id"] for p in ticket["relatedParty"]}["customer"] == "carla"
    assert [n["text"] for n in ticket["note"]] == ["Reported by the NOC."]
    assert ticket["attachment"][0]["size"] == {"amount": 14, "units": "bytes"}
    assert ticket["statusChange"][0]["status"] == "acknowledged"


def test_a_requester_opens_only_for_themselves(api_client, people, service, validate):
    client = _client(api_client, people["caller"])
    response = client.post(BASE, _new_ticket(), format="json")
    assert response.status_code == 201
    assert Incident.objects.get(number=response.json()["id"]).caller == people["caller"]
    response = client.post(
        BASE,
        _new_ticket(relatedParty=[{"id": "otto", "role": "customer", "@referredType": "x"}]),
        format="json",
    )
    assert response.status_code == 403
    assert validate(response.json(), "Error")["code"] == "caller_not_allowed"


@pytest.mark.parametrize(
    ("change", "code", "status"),
    [
        ({"severity": None}, "invalid_severity", 400),
        ({"severity": "Apocalyptic"}, "invalid_severity", 400),
        ({"description": ""}, "invalid_description", 400),
        ({"ticketType": None}, "invalid_ticketType", 400),
        ({"name": 42}, "invalid_name", 400),
        ({"status": "resolved"}, "invalid_status", 400),
        ({"relatedEntity": []}, "invalid_relatedEntity", 400),
        (
            {"relatedEntity": [{"id": "nope", "@referredType": "Service"}]},
            "invalid_relatedEntity",
            400,
        ),
        ({"relatedParty": [{"id": "ghost", "role": "customer"}]}, "invalid_relatedParty", 400),
        ({"note": [{"text": " "}]}, "invalid_note", 400),
        ({"attachment": [{"url": "http://x/y"}]}, "invalid_attachment", 400),
        ({"attachment": [{"name": "a", "content": "***"}]}, "invalid_attachment", 400),
    ],
)
def test_bad_create_bodies_get_a_spec_error_and_write_nothing(
    api_client, people, service, validate, change, code, status
):
    body = _new_ticket()
    for key, value in change.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    response = _client(api_client, people["agent"]).post(BASE, body, format="json")
    assert response.status_code == status, response.content
    error = validate(response.json(), "Error")
    assert error["code"] == code
    assert error["status"] == str(status)
    assert not Incident.objects.exists()


def test_an_attachment_of_a_refused_type_rolls_the_ticket_back(
    api_client, people, service, validate
):
    exe = base64.b64encode(b"MZ\x90\x00" + b"\x00" * 3000).decode()
    response = _client(api_client, people["agent"]).post(
        BASE, _new_ticket(attachment=[{"name": "a.exe", "content": exe}]), format="json"
    )
    assert response.status_code == 415
    assert validate(response.json(), "Error")["code"] == "attachment_type_not_allowed"
    assert not Incident.objects.exists()


def test_malformed_and_unsupported_bodies(api_client, people, service, validate):
    client = _client(api_client, people["agent"])
    response = client.generic("POST", BASE, "{not json", content_type="application/json")
    assert response.status_code == 400
    validate(response.json(), "Error")
    response = client.post(BASE, [1, 2], format="json")
    assert response.status_code == 400
    assert validate(response.json(), "Error")["code"] == "invalid_body"
    response = client.generic("POST", BASE, "name=x", content_type="text/plain")
    assert response.status_code == 415
    validate(response.json(), "Error")


def test_anonymous_gets_401_as_an_error_object(api_client, validate):
    response = api_client().get(BASE)
    assert response.status_code == 401
    assert validate(response.json(), "Error")["status"] == "401"
    assert "WWW-Authenticate" in response


def _make(api_client, user, n=1, **extra):
    return [
        api_client(user)
        .post(BASE, _new_ticket(name="t{i}".format(i=i), **extra), format="json")
        .json()["id"]
        for i in range(n)
    ]


def test_list_pages_with_offset_limit_and_counts(api_client, people, service, validate):
    numbers = _make(api_client, people["agent"], 5)
    client = _client(api_client, people["agent"])
    response = client.get(BASE, {"offset": 1, "limit": 2})
    assert response.status_code == 200
    page = validate(response.json(), many=True)
    assert response["X-Total-Count"] == "5"
    assert response["X-Result-Count"] == "2"
    assert [t["id"] for t in page] == list(reversed(numbers))[1:3]  # newest first
    response = client.get(BASE, {"offset": 4, "limit": 10})
    assert response["X-Result-Count"] == "1"
    response = client.get(BASE, {"fields": "name,status"})
    assert set(response.json()[0]) == {"id", "href", "name", "status"}
    validate(response.json(), many=True)
    for bad in ({"limit": "-1"}, {"offset": "x"}, {"status": "open"}, {"severity": "huge"}):
        response = client.get(BASE, bad)
        assert response.status_code == 400, bad
        validate(response.json(), "Error")


def test_list_filters_by_status_and_severity(api_client, people, service, validate):
    first, _second = _make(api_client, people["agent"], 2)
    client = _client(api_client, people["agent"])
    client.patch(BASE + "/" + first, {"status": "inProgress"}, format="json")
    response = client.get(BASE, {"status": "inProgress"})
    assert [t["id"] for t in response.json()] == [first]
    response = client.get(BASE, {"status": "acknowledged,inProgress", "severity": "major"})
    assert response["X-Total-Count"] == "2"
    response = client.get(BASE, {"priority": "Critical"})
    assert response["X-Total-Count"] == "0"


def test_requesters_see_only_their_own(api_client, people, service, validate):
    mine = _make(api_client, people["caller"], 1)[0]
    theirs = _make(api_client, people["other"], 1)[0]
    client = _client(api_client, people["caller"])
    response = client.get(BASE)
    assert [t["id"] for t in response.json()] == [mine]
    assert response["X-Total-Count"] == "1"
    response = client.get(BASE + "/" + theirs)
    assert response.status_code == 404
    validate(response.json(), "Error")
    response = client.patch(BASE + "/" + theirs, {"note": [{"text": "hi"}]}, format="json")
    assert response.status_code == 404


def test_retrieve_and_the_spec_base_path(api_client, people, service, validate):
    number = _make(api_client, people["agent"])[0]
    client = _client(api_client, people["agent"])
    response = client.get(BASE + "/" + number)
    assert response.status_code == 200
    validate(response.json())
    assert response["ETag"].startswith('"inc-')
    alias = client.get(SPEC_BASE + "/" + number)
    assert alias.status_code == 200
    assert alias.json()["href"].endswith(SPEC_BASE + "/" + number)
    assert client.get(BASE + "/INC9999999").status_code == 404
    for path in (BASE + "/nonsense", "/tmf-api/troubleTicket/v4/hub"):
        response = client.get(path)
        assert response.status_code == 404
        validate(json.loads(response.content), "Error")
    response = client.delete(BASE + "/" + number)
    assert response.status_code == 405
    validate(response.json(), "Error")


def test_status_life_cycle_by_merge_patch(api_client, people, service, validate):
    agent = _client(api_client, people["agent"])
    number = agent.post(
        BASE,
        _new_ticket(relatedParty=[{"id": "carla", "role": "customer", "@referredType": "I"}]),
        format="json",
    ).json()["id"]
    url = BASE + "/" + number

    def patch(client, body, **headers):
        return client.generic("PATCH", url, json.dumps(body), content_type=MERGE, **headers)

    response = patch(agent, {"status": "pending", "statusChangeReason": "Need the IMSI"})
    assert response.status_code == 200, response.content
    assert validate(response.json())["status"] == "pending"
    assert Incident.objects.get(number=number).hold_reason == "awaiting_caller"
    assert patch(agent, {"status": "inProgress"}).json()["status"] == "inProgress"
    response = patch(agent, {"status": "resolved"})
    assert response.status_code == 400
    assert validate(response.json(), "Error")["code"] == "invalid_statusChangeReason"
    response = patch(agent, {"status": "resolved", "statusChangeReason": "Cell restarted"})
    ticket = validate(response.json())
    assert ticket["status"] == "resolved"
    assert ticket["resolutionDate"]
    assert ticket["statusChangeReason"] == "Cell restarted"
    assert [c["status"] for c in ticket["statusChange"]] == [
        "acknowledged", "inProgress", "pending", "inProgress", "resolved",
    ]  # fmt: skip
    caller = _client(api_client, people["caller"])
    response = patch(caller, {"status": "closed", "note": [{"text": "Works again, thanks"}]})
    assert response.status_code == 200, response.content
    ticket = validate(response.json())
    assert ticket["status"] == "closed"
    assert ticket["note"][-1]["text"] == "Works again, thanks"
    response = patch(agent, {"status": "inProgress"})
    assert response.status_code == 409
    validate(response.json(), "Error")


def test_patch_fields_notes_and_if_match(api_client, people, service, validate):
    agent = _client(api_client, people["agent"])
    created = agent.post(BASE, _new_ticket(), format="json")
    number, etag = created.json()["id"], created["ETag"]
    url = BASE + "/" + number
    response = agent.patch(
        url,
        {"name": "No data on cells 4711 and 4712", "severity": "Critical",
         "note": [{"text": "Second cell affected"}],
         "relatedParty": [{"id": "agent", "role": "assignee", "@referredType": "Individual"}]},
        format="json",
        HTTP_IF_MATCH=etag,
    )  # fmt: skip
    assert response.status_code == 200, response.content
    ticket = validate(response.json())
    incident = Incident.objects.get(number=number)
    assert (incident.title, incident.impact, incident.priority) == (ticket["name"], 1, 1)
    assert incident.assignee == people["agent"]
    assert ticket["priority"] == "Critical"
    assert response["ETag"] != etag
    # the same notes sent back (merge-patch replaces the array) add nothing
    again = agent.patch(url, {"note": ticket["note"]}, format="json")
    assert len(again.json()["note"]) == 1
    stale = agent.patch(url, {"name": "lost update"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert validate(stale.json(), "Error")["code"] == "version_conflict"
    assert Incident.objects.get(number=number).title == "No data on cells 4711 and 4712"


def test_a_refused_transition_leaves_the_fields_unchanged(api_client, people, service, validate):
    agent = _client(api_client, people["agent"])
    number = agent.post(BASE, _new_ticket(), format="json").json()["id"]
    response = agent.patch(
        BASE + "/" + number,
        {"name": "renamed", "status": "closed", "note": [{"text": "x"}]},
        format="json",
    )
    assert response.status_code == 409
    validate(response.json(), "Error")
    incident = Incident.objects.get(number=number)
    assert incident.title == "No data on cell 4711"
    assert not incident.comments.exists()


def test_requesters_may_not_edit_fields(api_client, people, service, validate):
    number = _make(api_client, people["caller"])[0]
    client = _client(api_client, people["caller"])
    response = client.patch(BASE + "/" + number, {"severity": "Critical"}, format="json")
    assert response.status_code == 403
    validate(response.json(), "Error")
    response = client.patch(BASE + "/" + number, {"note": [{"text": "More detail"}]}, format="json")
    assert response.status_code == 200
    assert validate(response.json())["note"][0]["text"] == "More detail"


def test_bearer_tokens_keep_their_scope(people, service, validate):
    from rest_framework.test import APIClient

    from integrations.services import token_create

    _read, read_secret = token_create(actor=people["agent"], name="carrier ro", scope="read")
    _write, write_secret = token_create(actor=people["agent"], name="carrier rw", scope="write")
    reader, writer = APIClient(), APIClient()
    reader.credentials(HTTP_AUTHORIZATION="Bearer " + read_secret)
    writer.credentials(HTTP_AUTHORIZATION="Bearer " + write_secret)
    assert writer.post(BASE, _new_ticket(), format="json").status_code == 201
    assert reader.get(BASE).status_code == 200
    response = reader.post(BASE, _new_ticket(), format="json")
    assert response.status_code == 403
    validate(response.json(), "Error")
    assert Incident.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_patches_with_one_if_match_one_wins(people, service, validate):
    import threading

    from django.db import connection
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    key = Token.objects.create(user=people["agent"]).key

    def client():
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION="Token " + key)
        return c

    created = client().post(BASE, _new_ticket(), format="json")
    url, etag = BASE + "/" + created.json()["id"], created["ETag"]
    statuses = []

    def patch(n):
        try:
            response = client().patch(
                url, {"name": "Writer {n}".format(n=n)}, format="json", HTTP_IF_MATCH=etag
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=patch, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [412] * 5
    incident = Incident.objects.get(number=created.json()["id"])
    assert incident.version == 2


def test_poll_for_changes_with_date_operators(api_client, people, service, validate):
    import datetime as dt

    from django.utils import timezone

    first, second = _make(api_client, people["agent"], 2)
    old = timezone.now() - dt.timedelta(days=2)
    Incident.objects.filter(number=first).update(updated_at=old, opened_at=old)
    client = _client(api_client, people["agent"])
    since = (timezone.now() - dt.timedelta(days=1)).isoformat().replace("+00:00", "Z")
    response = client.get(BASE, {"lastUpdate.gt": since})
    assert [t["id"] for t in validate(response.json(), many=True)] == [second]
    response = client.get(BASE, {"creationDate.lte": since})
    assert [t["id"] for t in response.json()] == [first]
    for bad in ("yesterday", "2026-11-25T10:00:00"):
        response = client.get(BASE, {"lastUpdate.gt": bad})
        assert response.status_code == 400
        assert validate(response.json(), "Error")["code"] == "invalid_lastUpdate"


def test_sort(api_client, people, service, validate):
    numbers = _make(api_client, people["agent"], 3)
    client = _client(api_client, people["agent"])
    assert [t["id"] for t in client.get(BASE, {"sort": "id"}).json()] == numbers
    assert [t["id"] for t in client.get(BASE, {"sort": "-id"}).json()] == numbers[::-1]
    client.patch(BASE + "/" + numbers[0], {"severity": "Critical"}, format="json")
    ids = [t["id"] for t in client.get(BASE, {"sort": "-lastUpdate,id", "fields": "id"}).json()]
    assert ids[0] == numbers[0]
    assert client.get(BASE, {"sort": "priority,id"}).json()[0]["id"] == numbers[0]
    response = client.get(BASE, {"sort": "colour"})
    assert response.status_code == 400
    assert validate(response.json(), "Error")["code"] == "invalid_sort"


def test_a_retried_create_with_its_idempotency_key_makes_one_ticket(api_client, people, service):
    client = _client(api_client, people["agent"])
    body = _new_ticket()
    first = client.post(BASE, body, format="json", HTTP_IDEMPOTENCY_KEY="noc-4711-1")
    again = client.post(BASE, body, format="json", HTTP_IDEMPOTENCY_KEY="noc-4711-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Incident.objects.filter(title=body["name"]).count() == 1


@pytest.mark.parametrize(
    "query",
    [
        {"offset": "²"},
        {"limit": "١٠"},
        {"lastUpdate.gt": "0001-01-01T00:00:00+01:00"},
        {"creationDate.lt": "9999-12-31T23:59:59-01:00"},
        {"lastUpdate.gte": "\x00"},
        {"sort": "id\x00"},
        {"priority": "High\x00"},
        {"status": "inProgress\x00"},
    ],
)
def test_bad_query_values_are_a_400_error_not_a_crash(api_client, people, service, validate, query):
    _make(api_client, people["agent"])
    response = _client(api_client, people["agent"]).get(BASE, query)
    assert response.status_code == 400, response.content
    validate(response.json(), "Error")


def test_status_filter_values_are_trimmed_like_severity(api_client, people, service, validate):
    number = _make(api_client, people["agent"])[0]
    response = _client(api_client, people["agent"]).get(BASE, {"status": " acknowledged , held"})
    assert response.status_code == 200, response.content
    assert [t["id"] for t in validate(response.json(), many=True)] == [number]


@pytest.mark.parametrize(
    "entity",
    [
        {"id": "²", "@referredType": "Service"},
        {"id": "99999999999999999999999", "@referredType": "Service"},
        {"id": "³", "@referredType": "ConfigurationItem"},
    ],
)
def test_odd_digits_in_references_are_a_400(api_client, people, service, validate, entity):
    body = _new_ticket(relatedEntity=[{"id": "Mobile network", "@referredType": "Service"}, entity])
    response = _client(api_client, people["agent"]).post(BASE, body, format="json")
    assert response.status_code == 400, response.content
    assert validate(response.json(), "Error")["code"] == "invalid_relatedEntity"
    body = _new_ticket(relatedParty=[{"id": "²", "role": "assignmentGroup"}])
    response = _client(api_client, people["agent"]).post(BASE, body, format="json")
    assert response.status_code == 400, response.content
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("change", "attribute"),
    [
        ({"name": "No data\x00"}, "name"),
        ({"description": "Since 09:12\x00"}, "description"),
        ({"note": [{"text": "a\x00b"}]}, "note"),
        ({"relatedParty": [{"id": "carla\x00", "role": "customer"}]}, "relatedParty"),
        ({"relatedEntity": [{"id": "Mobile\x00", "@referredType": "Service"}]}, "relatedEntity"),
        ({"channel": {"id": "phone\x00"}}, "channel"),
    ],
)
def test_a_nul_character_is_a_400_naming_the_attribute(
    api_client, people, service, validate, change, attribute
):
    response = _client(api_client, people["agent"]).post(BASE, _new_ticket(**change), format="json")
    assert response.status_code == 400, response.content
    error = validate(response.json(), "Error")
    assert error["code"] == "invalid_" + attribute
    assert attribute in error["message"]
    assert not Incident.objects.exists()


@pytest.mark.parametrize("name", ["#", "..", "!!!", "a/../..", ""])
def test_an_attachment_with_an_unusable_name_is_stored_as_attachment(
    api_client, people, service, validate, name
):
    content = base64.b64encode(b"ping: timeout\n").decode()
    response = _client(api_client, people["agent"]).post(
        BASE, _new_ticket(attachment=[{"name": name, "content": content}]), format="json"
    )
    assert response.status_code == 201, response.content
    ticket = validate(response.json())
    assert ticket["attachment"][0]["name"] == "attachment"


def test_only_staff_link_a_parent_and_only_one_they_can_see(api_client, people, service, validate):
    theirs = _make(api_client, people["other"])[0]
    relationship = [{"id": theirs, "relationshipType": "isChild"}]
    requester = _client(api_client, people["caller"])
    for ref in (theirs, "INC9999999"):  # the same answer: existence is not revealed
        response = requester.post(
            BASE,
            _new_ticket(troubleTicketRelationship=[{"id": ref, "relationshipType": "isChild"}]),
            format="json",
        )
        assert response.status_code == 403, response.content
        assert validate(response.json(), "Error")["code"] == "parent_not_allowed"
    mine = _make(api_client, people["caller"])[0]
    response = requester.patch(
        BASE + "/" + mine, {"troubleTicketRelationship": relationship}, format="json"
    )
    assert response.status_code == 403
    assert Incident.objects.get(number=mine).parent is None
    agent = _client(api_client, people["agent"])
    response = agent.post(BASE, _new_ticket(troubleTicketRelationship=relationship), format="json")
    assert response.status_code == 201, response.content
    assert validate(response.json())["troubleTicketRelationship"][0]["id"] == theirs
