"""Incident pages: queues, detail, forms, transitions, portal, CSV export, bulk actions."""

import pytest
from django.urls import reverse

from incidents.models import Incident
from incidents.services import incident_create
from tests.factories import IncidentFactory, ServiceFactory, SupportGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(agent):
    group = SupportGroupFactory(name="Desk")
    group.members.add(agent)
    return ServiceFactory(name="Mail", support_group=group)


def test_requester_cannot_open_the_staff_queue(client, requester):
    client.force_login(requester)
    assert client.get(reverse("incidents:incident_list")).status_code == 403


def test_queues_filter_what_they_promise(client, agent, service):
    mine = IncidentFactory(service=service, assignee=agent, state="in_progress")
    unassigned = IncidentFactory(service=service)
    IncidentFactory(service=service, state="closed")
    client.force_login(agent)

    def numbers(queue):
        response = client.get(reverse("incidents:incident_list") + "?queue=" + queue)
        return {incident.number for incident in response.context["object_list"]}

    assert numbers("mine") == {mine.number}
    assert numbers("unassigned") == {unassigned.number}
    assert numbers("open") == {mine.number, unassigned.number}
    assert len(numbers("all")) == 3


def test_queue_rows_show_the_fields_escaped(client, agent, service):
    incident = IncidentFactory(
        service=service, assignee=agent, state="on_hold", is_major=True, title="<b>x</b> & y"
    )
    client.force_login(agent)
    html = client.get(reverse("incidents:incident_list") + "?queue=all").content.decode()
    row = html[html.index('value="{n}"'.format(n=incident.number)) :].split("</tr>")[0]
    assert '<a href="/incidents/{n}/">{n}</a>'.format(n=incident.number) in row
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in row
    assert "<b>x</b>" not in row
    assert "On hold" in row
    assert "Major" in row
    assert 'class="badge prio-3"' in row
    assert (agent.get_full_name() or agent.username) in row


def test_search_finds_comments_too(client, agent, service):
    incident = incident_create(actor=agent, data={"title": "Printer", "service": service})
    from incidents.services import incident_comment_add

    incident_comment_add(actor=agent, incident=incident.pk, body="toner cartridge jammed")
    IncidentFactory(service=service, title="Other")
    client.force_login(agent)
    response = client.get(reverse("incidents:incident_list") + "?queue=all&q=cartridge")
    assert [i.number for i in response.context["object_list"]] == [incident.number]


def test_detail_page_shows_timeline_and_only_allowed_buttons(client, agent, service):
    incident = incident_create(actor=agent, data={"title": "Mail down", "service": service})
    client.force_login(agent)
    page = client.get(incident.get_absolute_url())
    names = [t.name for t, _ in page.context["transitions"]]
    assert names == ["start", "resolve", "cancel"]
    assert page.context["timeline"][0].kind == "created"


def test_the_timeline_names_each_change_with_a_fixed_number_of_queries(client, agent, service):
    """The history is read with only the fields a timeline compares: three versions or
    six, the page makes the same queries (no deferred field read row by row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from incidents.services import incident_update

    incident = incident_create(actor=agent, data={"title": "Mail down", "service": service})
    client.force_login(agent)

    def look():
        with CaptureQueriesContext(connection) as queries:
            page = client.get(incident.get_absolute_url())
        return page, len(queries.captured_queries)

    for version, title in enumerate(["Mail slow", "Mail stuck"], start=1):
        incident_update(actor=agent, incident=incident.pk, expected_version=version,
                        data={"title": title})  # fmt: skip
    look()
    page, few = look()
    changes = [e.changes for e in page.context["timeline"] if e.kind == "change"]
    assert [c[0][1:] for c in changes] == [("Mail down", "Mail slow"), ("Mail slow", "Mail stuck")]
    for version, urgency in enumerate([1, 2, 3], start=3):
        incident_update(actor=agent, incident=incident.pk, expected_version=version,
                        data={"urgency": urgency})  # fmt: skip
    page, many = look()
    assert len([e for e in page.context["timeline"] if e.kind == "change"]) == 5
    assert many == few
    with CaptureQueriesContext(connection) as queries:
        client.get(incident.get_absolute_url())
    (history,) = [q["sql"] for q in queries.captured_queries if "historicalincident" in q["sql"]]
    assert '"title"' in history
    assert '"description"' not in history


def test_transition_through_the_page_and_a_refusal_message(client, agent, service):
    incident = incident_create(actor=agent, data={"title": "Mail down", "service": service})
    client.force_login(agent)
    url = reverse("incidents:incident_transition", args=[incident.number, "resolve"])
    refused = client.post(url, {"version": 1}, follow=True)
    assert "resolution code is required" in refused.text
    client.post(url, {"version": 1, "resolution_code": "fixed", "resolution_notes": "ok"})
    assert Incident.objects.get().state == "resolved"


def test_stale_form_does_not_overwrite(client, agent, service):
    incident = incident_create(actor=agent, data={"title": "Mail down", "service": service})
    client.force_login(agent)
    start = reverse("incidents:incident_transition", args=[incident.number, "start"])
    client.post(start, {"version": 1})
    response = client.post(
        reverse("incidents:incident_transition", args=[incident.number, "cancel"]),
        {"version": 1, "cancel_reason": "dup"},
        follow=True,
    )
    assert "changed by someone else" in response.text
    assert Incident.objects.get().state == "in_progress"


def test_requester_portal_flow(client, requester, other_requester, service):
    client.force_login(requester)
    response = client.post(
        reverse("incidents:portal_create"),
        {
            "service": service.pk,
            "title": "Cannot log in",
            "description": "Since today",
            "urgency": 2,
        },
    )
    incident = Incident.objects.get()
    assert response["Location"] == incident.get_absolute_url()
    assert incident.caller == requester
    page = client.get(reverse("incidents:portal"))
    assert incident.number in page.text
    theirs = IncidentFactory(caller=other_requester)
    assert client.get(theirs.get_absolute_url()).status_code == 404


def test_requester_sees_no_work_notes(client, agent, requester, service):
    from incidents.services import incident_comment_add

    incident = incident_create(actor=requester, data={"title": "x", "service": service})
    incident_comment_add(actor=agent, incident=incident.pk, body="visible reply")
    incident_comment_add(actor=agent, incident=incident.pk, body="internal only", kind="work_note")
    client.force_login(requester)
    page = client.get(incident.get_absolute_url())
    assert "visible reply" in page.text
    assert "internal only" not in page.text


def test_csv_export_neutralises_formulas(client, agent, service):
    IncidentFactory(service=service, title="=HYPERLINK('http://evil')")
    client.force_login(agent)
    response = client.get(reverse("incidents:incident_export") + "?queue=all")
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in body
    assert response["Content-Disposition"].startswith("attachment")


def test_bulk_assign_reports_each_incident(client, agent, service):
    first = IncidentFactory(service=service)
    second = IncidentFactory(service=service, state="closed")
    client.force_login(agent)
    response = client.post(
        reverse("incidents:incident_bulk"),
        {"incidents": [first.number, second.number], "action": "start"},
        follow=True,
    )
    first.refresh_from_db()
    assert first.state == "in_progress"
    assert second.number in response.text  # refused, with its reason


def test_bulk_refuses_rows_changed_since_the_list_was_shown(client, agent, manager, service):
    from incidents.services import incident_update

    stale = incident_create(actor=agent, data={"title": "Printer", "service": service})
    fresh = incident_create(actor=agent, data={"title": "Scanner", "service": service})
    client.force_login(agent)
    page = client.get(reverse("incidents:incident_list")).content.decode()
    assert 'name="v-{n}" value="1"'.format(n=stale.number) in page
    incident_update(actor=manager, incident=stale.pk, expected_version=1, data={"urgency": 1})
    response = client.post(
        reverse("incidents:incident_bulk"),
        {"incidents": [stale.number, fresh.number], "action": "start",
         "v-" + stale.number: "1", "v-" + fresh.number: "1"},
        follow=True,
    )  # fmt: skip
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.state, fresh.state) == ("new", "in_progress")
    assert "{n}: The record was changed by someone else".format(n=stale.number) in response.text


def test_attachment_upload_and_download(client, agent, service, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    incident = incident_create(actor=agent, data={"title": "x", "service": service})
    client.force_login(agent)
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(
        reverse("incidents:incident_attachment", args=[incident.number]),
        {"file": SimpleUploadedFile("log.txt", b"error 42\n", "text/plain")},
    )
    attachment = incident.attachments.get()
    response = client.get(
        reverse("incidents:incident_attachment_download", args=[incident.number, attachment.pk])
    )
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"error 42\n"


def test_inline_assignment_counts_a_reassignment(client, agent, service):
    incident = incident_create(actor=agent, data={"title": "x", "service": service})
    other = SupportGroupFactory(name="Network")
    client.force_login(agent)
    client.post(
        reverse("incidents:incident_assign", args=[incident.number]),
        {"version": 1, "assignment_group": other.pk, "assignee": ""},
    )
    incident.refresh_from_db()
    assert (incident.assignment_group, incident.reassignment_count) == (other, 1)


def test_detail_page_of_an_auto_closed_incident_shows_the_system_as_actor(client, agent, service):
    import datetime as dt

    from django.utils import timezone

    from incidents.services import incident_close_resolved_due, incident_transition

    incident = incident_create(actor=agent, data={"title": "x", "service": service})
    incident_transition(
        actor=agent, incident=incident.pk, name="resolve", expected_version=1,
        data={"resolution_code": "fixed", "resolution_notes": "ok"},
    )  # fmt: skip
    incident_close_resolved_due(now=timezone.now() + dt.timedelta(days=10))
    client.force_login(agent)
    page = client.get(incident.get_absolute_url())
    assert page.status_code == 200
    assert "System" in page.text


def test_sla_badge_says_time_left_over_paused_or_none():
    from datetime import timedelta

    from incidents.presentation import SlaView, sla_html

    assert "No SLA" in sla_html(SlaView("none", None, None, None))
    running = sla_html(SlaView("running", None, 40, timedelta(hours=2, minutes=5)))
    assert "2 h 05 min left" in running
    assert "width: 40%" in running
    assert "(40 %)" in running
    over = sla_html(SlaView("breached", None, 130, timedelta(minutes=-30)))
    assert "30 min over" in over
    assert "width: 100%" in over
    assert "sla-breached" in over
    assert "Paused" in sla_html(SlaView("paused", None, 10, timedelta(hours=1)))


def test_queue_counts_up_to_a_cap_and_says_so(client, agent, service, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.paginators import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "CAP", 4)
    for _ in range(6):
        IncidentFactory(service=service)
    client.force_login(agent)
    url = reverse("incidents:incident_list") + "?queue=all&per_page=2"
    page = client.get(url)
    assert page.context["paginator"].count == 4
    assert "Page 1 of 2+ (over 4 rows: filter to narrow them)" in page.content.decode()
    with CaptureQueriesContext(connection) as queries:  # past the cap: remembered
        assert "Page 2 of 2+" in client.get(url + "&page=2").content.decode()
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    monkeypatch.setattr(CappedPaginator, "CAP", 10)
    page = client.get(url)
    assert "Page 1 of 3 (6 rows)" in page.content.decode()
    IncidentFactory(service=service)  # under the cap: counted every time
    assert "Page 1 of 4 (7 rows)" in client.get(url).content.decode()


def _edit_form_as_opened(client, agent, incident, service):
    """The agent opens the edit form: its URL and what it would post unchanged."""
    url = reverse("incidents:incident_edit", args=[incident.number])
    client.force_login(agent)
    form = client.get(url).context["form"]
    posted = {k: v for k, v in form.initial.items() if v is not None and k != "cis"}
    posted.update(service=service.pk, assignment_group=service.support_group_id, version=1)
    return url, posted


def test_stale_edit_lists_their_changes_and_merges(client, agent, manager, service):
    """Agent opens the edit form at version 1; a manager retitles the incident; the agent
    saves a new description. 409, the manager's change listed, the agent's description kept,
    the untouched title taken from the manager; saving again keeps both."""
    from incidents.services import incident_update

    incident = incident_create(actor=agent, data={"title": "Mail down", "service": service})
    url, posted = _edit_form_as_opened(client, agent, incident, service)
    incident_update(actor=manager, incident=incident.pk, expected_version=1,
                    data={"title": "Mail outage in Lund"})  # fmt: skip
    response = client.post(url, {**posted, "description": "Users see timeouts."})
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed by someone else" in html
    assert "Mail down" in html
    assert "Mail outage in Lund" in html
    again = response.context["form"]
    assert again["description"].value() == "Users see timeouts."
    assert again["title"].value() == "Mail outage in Lund"
    assert str(again["version"].value()) == "2"
    saved = client.post(url, dict(again.data.items()))
    assert saved.status_code == 302
    incident.refresh_from_db()
    assert (incident.title, incident.description) == ("Mail outage in Lund", "Users see timeouts.")


def test_a_browsers_line_breaks_are_not_mistaken_for_an_edit_on_conflict(
    client, agent, manager, service
):
    """The form sends CR LF; the record stores LF: a description this user did not touch
    must take the other person's new text, not put the old one back."""
    from incidents.services import incident_update

    incident = incident_create(
        actor=agent, data={"title": "Mail down", "description": "a\nb", "service": service}
    )
    url, posted = _edit_form_as_opened(client, agent, incident, service)
    incident_update(actor=manager, incident=incident.pk, expected_version=1,
                    data={"description": "a\nb\nc"})  # fmt: skip
    response = client.post(url, {**posted, "description": "a\r\nb", "title": "Mail is down"})
    assert response.status_code == 409
    again = response.context["form"]
    assert again["description"].value() == "a\nb\nc"
    assert again["title"].value() == "Mail is down"


def test_queue_rows_come_from_the_cache_and_follow_every_edit(client, agent, manager, service):
    """The second look at a queue reads only ids and versions; an edit by someone else shows
    on the next request; the other language gets its own rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from incidents.services import incident_update

    first = incident_create(actor=agent, data={"title": "Mail down", "service": service})
    incident_create(actor=agent, data={"title": "Printer jam", "service": service})
    url = reverse("incidents:incident_list") + "?queue=all"
    client.force_login(agent)
    page = client.get(url).content.decode()
    assert page.index("Printer jam") < page.index("Mail down")  # newest first
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url).content.decode()
    assert again.count("<tr><td>") == page.count("<tr><td>") == 2
    assert not [q for q in queries.captured_queries if '"incidents_incident"."title"' in q["sql"]]

    incident_update(
        actor=manager, incident=first.pk, expected_version=1, data={"title": "Mail slow"}
    )
    page = client.get(url).content.decode()
    assert "Mail slow" in page
    assert "Mail down" not in page
    swedish = client.get(url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert ">Ny</span>" in swedish
    assert ">New</span>" in client.get(url).content.decode()


def test_detail_shows_related_rows_and_reads_only_those_it_has(client, agent, service):
    """CIs, watchers, attachments and children are shown when there are some; when there
    are none, their tables are not read at all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from incidents.models import IncidentAttachment
    from tests.factories import ConfigurationItemFactory

    full = IncidentFactory(service=service)
    full.cis.add(ConfigurationItemFactory(name="mail-gw-01"))
    full.watchers.add(agent)
    IncidentAttachment.objects.create(
        incident=full, file="attachments/x.txt", original_name="trace.txt",
        content_type="text/plain", size=5, uploaded_by=agent,
    )  # fmt: skip
    child = IncidentFactory(service=service, parent=full)
    bare = IncidentFactory(service=service)
    client.force_login(agent)
    page = client.get(reverse("incidents:incident_detail", args=[full.number])).content.decode()
    for shown in ("mail-gw-01", "trace.txt", child.number, agent.get_full_name()):
        assert shown in page
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("incidents:incident_detail", args=[bare.number]))
    assert page.status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [q for q in sql if "_prefetch_related_val" in q]  # CIs, watchers
    assert not [q for q in sql if q.startswith('SELECT "incidents_incidentattachment"')]
    assert not [q for q in sql if '"incidents_incident"."parent_id" IN' in q]  # children
    assert "No attachments." in page.content.decode()
