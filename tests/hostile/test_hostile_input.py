"""Hostile input: formula cells in CSV, oversized bodies (413), disguised uploads, SQL
metacharacters in every filter and search of the API, and log-in brute force."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator

from incidents.services import incident_comment_add, incident_create
from tests.conftest import make_user
from tests.factories import ServiceFactory, SupportGroupFactory

pytestmark = pytest.mark.django_db
FORMULAS = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
SQL_METACHARACTERS = [
    "' OR '1'='1",
    "'; DROP TABLE incidents_incident; --",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "%' UNION SELECT username, password FROM auth_user --",
    "1;SELECT pg_sleep(5)",
    "\u0000",
    "::text",
]


@pytest.fixture
def service(agent):
    group = SupportGroupFactory()
    group.members.add(agent)
    return ServiceFactory(support_group=group)


def test_csv_export_neutralises_formula_cells(client, agent, service):
    for formula in FORMULAS:
        incident_create(actor=agent, data={"title": formula, "service": service})
    client.force_login(agent)
    response = client.get("/incidents/export.csv?queue=all")
    assert response.status_code == 200
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(response.streaming_content).decode()
                if response.streaming
                else response.content.decode()
            )
        )
    )
    titles = {row[1] for row in rows[1:]}
    for cell in (c for row in rows[1:] for c in row):
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), cell
    assert {"'" + f.strip() for f in FORMULAS} <= titles  # titles are trimmed to one line


def test_an_oversized_api_body_gets_413_json_before_it_is_read(api_client, agent, settings):
    body = b'{"title": "' + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}'
    response = api_client(agent).generic(
        "POST", "/api/v1/incidents/", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "request_too_large"


def test_an_oversized_upload_gets_413(client, agent, service, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    incident = incident_create(actor=agent, data={"title": "Big file", "service": service})
    client.force_login(agent)
    upload = SimpleUploadedFile("big.txt", b"x" * (1024 + 70 * 1024), content_type="text/plain")
    response = client.post(
        "/incidents/{n}/attachments/".format(n=incident.number), {"file": upload}
    )
    assert response.status_code == 413
    assert b"too large" in response.content.lower()


def test_an_html_page_disguised_as_an_image_is_refused(client, agent, service):
    incident = incident_create(actor=agent, data={"title": "Screenshot", "service": service})
    client.force_login(agent)
    fake = SimpleUploadedFile(
        "screenshot.png", b"<html><script>alert(1)</script></html>", content_type="image/png"
    )
    response = client.post(
        "/incidents/{n}/attachments/".format(n=incident.number), {"file": fake}, follow=True
    )
    assert response.status_code in (200, 400)
    assert not incident.attachments.exists()
    ok = SimpleUploadedFile("notes.txt", b"plain words", content_type="text/html")
    client.post("/incidents/{n}/attachments/".format(n=incident.number), {"file": ok})
    stored = incident.attachments.get()
    assert stored.content_type == "text/plain"  # sniffed from the bytes, not the sender's claim
    download = client.get(
        "/incidents/{n}/attachments/{pk}/".format(n=incident.number, pk=stored.pk)
    )
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")


def api_list_parameters():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in sorted(schema["paths"].items()):
        get = operations.get("get")
        if not get or "{" in path:
            continue
        names = [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]
        yield path, [n for n in names if n not in ("page", "page_size", "format")]


def test_sql_metacharacters_in_every_api_filter_and_search_are_plain_text(
    api_client, manager, service
):
    incident_create(actor=manager, data={"title": "Printer jammed", "service": service})
    client = api_client(manager)
    checked = 0
    for path, names in api_list_parameters():
        for name in names:
            for value in SQL_METACHARACTERS:
                response = client.get(path, {name: value})
                assert response.status_code < 500, (path, name, value, response.status_code)
                if response.status_code == 200 and name in ("q", "search"):
                    body = response.json()
                    assert body.get("count", 0) == 0, (path, name, value, body)
                checked += 1
    assert checked > 200


@pytest.mark.parametrize(
    "url", ["/incidents/", "/problems/", "/changes/", "/problems/known-errors/"]
)
def test_sql_metacharacters_in_page_searches_find_nothing_and_break_nothing(client, manager, url):
    client.force_login(manager)
    for value in SQL_METACHARACTERS:
        response = client.get(url, {"q": value, "sort": value, "state": value})
        assert response.status_code in (200, 400), (url, value, response.status_code)


def test_login_brute_force_is_locked_out_with_a_clear_message(client, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    make_user("victim", "agent")
    for _ in range(3):
        client.post("/accounts/login/", {"username": "victim", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "victim", "password": "pw-victim"})
    assert response.status_code == 429
    assert b"Too many failed log-ins" in response.content
    assert b"Wait 15 minutes" in response.content


def test_notification_mail_carries_hostile_text_as_plain_text(agent, service):
    from django.core import mail

    from incidents.notifications import incident_notification_send

    payload = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
    caller = make_user("caller", "requester", email="caller@example.com")
    incident = incident_create(
        actor=agent, data={"title": payload, "service": service, "caller": caller}
    )
    incident_comment_add(actor=agent, incident=incident.pk, body=payload)
    assert incident_notification_send(
        incident_id=incident.pk, event="created", recipient_id=caller.pk, outbox_id=None
    )
    message = mail.outbox[-1]
    assert not getattr(message, "alternatives", None)  # no HTML part a mail client would run
    assert message.content_subtype == "plain"
