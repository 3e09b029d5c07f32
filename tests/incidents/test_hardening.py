"""Regressions from review: redirects, leaks through search and links, final states,
parent cycles, hostile titles and uploads."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.attachments import attachment_download_name, attachment_validate
from core.exceptions import DomainError, NotFound
from incidents.models import Incident
from incidents.services import (
    incident_comment_add,
    incident_create,
    incident_transition,
    incident_update,
)
from tests.factories import ServiceFactory, SupportGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(agent):
    group = SupportGroupFactory(name="Desk")
    group.members.add(agent)
    return ServiceFactory(name="Mail", support_group=group)


def log(actor, service, **data):
    return incident_create(actor=actor, data={"title": "Mail down", "service": service, **data})


def resolve(actor, incident):
    return incident_transition(
        actor=actor, incident=incident.pk, name="resolve", expected_version=None,
        data={"resolution_code": "fixed", "resolution_notes": "ok"},
    )  # fmt: skip


def test_bulk_view_never_redirects_off_site(client, agent, service):
    incident = log(agent, service)
    client.force_login(agent)
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = client.post(
            reverse("incidents:incident_bulk"),
            {"incidents": [incident.number], "action": "start", "next": target},
        )
        assert response["Location"] == reverse("incidents:incident_list")


def test_requester_cannot_find_incidents_by_work_note_words(api_client, agent, requester, service):
    incident = log(requester, service)
    incident_comment_add(
        actor=agent, incident=incident.pk, body="reset code 4711", kind="work_note"
    )
    incident_comment_add(actor=agent, incident=incident.pk, body="public banana")
    client = api_client(requester)
    assert client.get("/api/v1/incidents/?q=4711").json()["count"] == 0
    assert client.get("/api/v1/incidents/?q=banana").json()["count"] == 1
    assert api_client(agent).get("/api/v1/incidents/?q=4711").json()["count"] == 1


@pytest.mark.postgres
def test_postgres_search_unites_number_text_and_public_comments_within_what_one_sees(
    postgresql, api_client, agent, requester, other_requester, service
):
    """The PostgreSQL path (three index lookups united): by number, by words in the title or
    description, by words in comments; never by work notes for a requester, and never
    another caller's incident."""
    mine = log(requester, service)
    theirs = log(other_requester, service)
    incident_comment_add(actor=agent, incident=mine.pk, body="reset code 4711", kind="work_note")
    incident_comment_add(actor=agent, incident=mine.pk, body="public banana")
    incident_comment_add(actor=agent, incident=theirs.pk, body="public banana too")
    client = api_client(requester)

    def numbers(c, q):
        return {i["number"] for i in c.get("/api/v1/incidents/", {"q": q}).json()["results"]}

    assert numbers(client, "4711") == set()
    assert numbers(client, "banana") == {mine.number}
    assert numbers(client, mine.number.lower()) == {mine.number}
    assert numbers(client, theirs.number) == set()
    assert numbers(api_client(agent), "4711") == {mine.number}
    assert numbers(api_client(agent), "banana") == {mine.number, theirs.number}
    assert numbers(api_client(agent), str(int(theirs.number[3:]))) == {theirs.number}


@pytest.mark.parametrize("q", ["²", "١٠", "9" * 5000])
def test_odd_digits_in_a_search_are_plain_text(api_client, client, agent, service, q):
    log(agent, service)
    assert api_client(agent).get("/api/v1/incidents/", {"q": q}).json()["count"] == 0
    client.force_login(agent)
    assert client.get("/incidents/", {"q": q, "queue": "all"}).status_code == 200


def test_a_bulk_version_that_is_not_a_number_is_ignored_not_a_500(client, agent, service):
    incident = log(agent, service)
    client.force_login(agent)
    response = client.post(
        reverse("incidents:incident_bulk"),
        {"incidents": [incident.number], "action": "start", "v-" + incident.number: "²"},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.state == "in_progress"


def test_closed_incidents_are_final(agent, manager, service):
    incident = log(agent, service)
    resolve(agent, incident)
    incident_transition(actor=agent, incident=incident.pk, name="close", expected_version=None)
    for actor, data in (
        (agent, {"impact": 1}),
        (manager, {"priority": 1, "priority_override_reason": "x"}),
    ):
        with pytest.raises(DomainError) as err:
            incident_update(actor=actor, incident=incident.pk, expected_version=None, data=data)
        assert (err.value.code, err.value.status) == ("incident_final", 409)
    assert Incident.objects.get().priority == incident.priority


def test_parent_must_not_be_itself_an_ancestor_or_closed(agent, service):
    a = log(agent, service, title="A")
    b = log(agent, service, title="B", parent=a)
    for parent in (a, b):
        with pytest.raises(DomainError) as err:
            incident_update(
                actor=agent, incident=a.pk, expected_version=None, data={"parent": parent}
            )
        assert err.value.code == "parent_cycle"
    done = log(agent, service, title="Done")
    resolve(agent, done)
    with pytest.raises(DomainError) as err:
        log(agent, service, title="C", parent=done)
    assert err.value.code == "parent_not_open"


def test_resolving_a_parent_reaches_grandchildren(agent, service):
    top = log(agent, service, title="Top")
    child = log(agent, service, title="Child", parent=top)
    grandchild = log(agent, service, title="Grandchild", parent=child)
    resolve(agent, top)
    for incident in (child, grandchild):
        incident.refresh_from_db()
        assert incident.state == "resolved"


def test_a_requester_learns_nothing_about_anothers_incident(requester, other_requester, service):
    theirs = log(other_requester, service)
    for version in (None, 1, 99):
        with pytest.raises(NotFound):
            incident_transition(
                actor=requester, incident=theirs.number, name="confirm", expected_version=version
            )


def test_requester_page_hides_other_peoples_related_incidents(
    client, agent, requester, other_requester, service
):
    parent = log(other_requester, service, title="Someone else's secret")
    log(requester, service, title="Mine", parent=parent)
    client.force_login(requester)
    mine = Incident.objects.get(title="Mine")
    assert "secret" not in client.get(mine.get_absolute_url()).text


def test_titles_are_one_line_so_notification_headers_stay_valid(agent, service):
    incident = log(agent, service, title="Broken\r\nBcc: x@evil.example")
    assert incident.title == "Broken Bcc: x@evil.example"


def test_requesters_use_the_portal_not_the_staff_form(client, requester):
    client.force_login(requester)
    assert client.get(reverse("incidents:incident_create")).status_code == 403


def test_edit_form_without_version_is_refused(client, agent, service):
    incident = log(agent, service)
    client.force_login(agent)
    response = client.post(
        reverse("incidents:incident_edit", args=[incident.number]),
        {"title": "Changed", "service": service.pk, "impact": 3, "urgency": 3,
         "contact_channel": "phone", "pdca_scope": "operational"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "version" in response.context["form"].errors
    assert Incident.objects.get().title == "Mail down"


@pytest.mark.parametrize(
    ("name", "data"), [("x.exe", b"MZ\x90\x00\x03"), ("tiny.bin", b"\xff\xfe")]
)
def test_short_binaries_are_not_taken_for_text(name, data):
    from core.attachments import AttachmentTypeRefused

    with pytest.raises(AttachmentTypeRefused):
        attachment_validate(SimpleUploadedFile(name, data))


def test_text_files_download_with_a_text_extension():
    assert attachment_download_name("run.bat", "text/plain") == "run.bat.txt"
    assert attachment_download_name("notes.txt", "text/plain") == "notes.txt"
    assert attachment_download_name("shot.png", "image/png") == "shot.png"
