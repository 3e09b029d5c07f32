"""Problem API: CRUD, transitions, links, known errors, suggestions, errors."""

import pytest

from incidents.services import incident_create
from problems.models import SuggestedProblem
from problems.services import problem_detect
from tests.factories import ServiceFactory, SupportGroupFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/problems/"


@pytest.fixture
def service(agent):
    group = SupportGroupFactory(name="Desk")
    group.members.add(agent)
    return ServiceFactory(name="Mail", support_group=group)


def test_requester_has_no_access(api_client, requester):
    assert api_client(requester).get(URL).status_code == 403
    assert api_client(requester).get("/api/v1/known-errors/").status_code == 403


def test_create_transition_and_publish_known_error(api_client, agent, service):
    client = api_client(agent)
    created = client.post(
        URL, {"title": "Mailbox quota", "service": service.pk, "impact": 2}, format="json"
    )
    assert created.status_code == 201, created.json()
    number = created.json()["number"]
    etag = created["ETag"]
    for name, body in (("assess", {}), ("mark_known_error", {"workaround": "Archive old mail"})):
        response = client.post(
            "{u}{n}/transitions/{t}/".format(u=URL, n=number, t=name),
            body,
            format="json",
            HTTP_IF_MATCH=etag,
        )
        assert response.status_code == 200, response.json()
        etag = response["ETag"]
    assert response.json()["known_error"] is True
    found = client.get("/api/v1/known-errors/?service={s}&q=archive".format(s=service.pk)).json()
    assert [k["number"] for k in found["results"]] == [number]
    assert client.get("/api/v1/known-errors/?service=abc").status_code == 400


def test_guard_refusal_is_422_naming_the_rule(api_client, agent, service):
    client = api_client(agent)
    created = client.post(URL, {"title": "x", "service": service.pk}, format="json")
    number = created.json()["number"]
    assessed = client.post(
        URL + number + "/transitions/assess/", {}, format="json", HTTP_IF_MATCH=created["ETag"]
    )
    response = client.post(
        URL + number + "/transitions/mark_known_error/",
        {},
        format="json",
        HTTP_IF_MATCH=assessed["ETag"],
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "root_cause_or_workaround_required"


def test_link_twice_is_409_and_unlink(api_client, agent, service):
    client = api_client(agent)
    incident = incident_create(actor=agent, data={"title": "Down", "service": service})
    number = client.post(URL, {"title": "x", "service": service.pk}, format="json").json()["number"]
    other = client.post(URL, {"title": "y", "service": service.pk}, format="json").json()["number"]
    assert (
        client.post(
            URL + number + "/incidents/", {"incident": incident.number}, format="json"
        ).status_code
        == 201
    )
    again = client.post(URL + other + "/incidents/", {"incident": incident.number}, format="json")
    assert again.status_code == 422
    assert again.json()["errors"][0]["code"] == "incident_already_linked"
    missing = client.post(URL + number + "/incidents/", {"incident": "INC9999999"}, format="json")
    assert missing.status_code == 404
    assert client.delete(URL + number + "/incidents/" + incident.number + "/").status_code == 204


def test_suggestions_accept_and_dismiss(api_client, agent, manager, service, settings):
    settings.PROBLEM_DETECTION_MIN_INCIDENTS = 2
    for _ in range(2):
        incident_create(actor=agent, data={"title": "Down", "service": service, "category": "mail"})
    problem_detect()
    assert api_client(agent).get("/api/v1/suggested-problems/").status_code == 200
    client = api_client(manager)
    listed = client.get("/api/v1/suggested-problems/")
    assert listed.status_code == 200, listed.json()
    suggestion = listed.json()["results"][0]
    path = "/api/v1/suggested-problems/{id}/accept/".format(id=suggestion["id"])
    assert api_client(agent).post(path).status_code == 403  # the problem manager decides
    accepted = client.post(path)
    assert accepted.status_code == 201
    assert len(accepted.json()["incidents"]) == 2
    again = client.post("/api/v1/suggested-problems/{id}/dismiss/".format(id=suggestion["id"]))
    assert again.status_code == 409
    assert SuggestedProblem.objects.get().status == "accepted"
