"""Change pages and API: access, approvals through the API, conflicts, the iCalendar feed."""

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from changes.models import Change, ChangeTemplate
from changes.services import change_create, change_transition
from tests.factories import ServiceFactory, SupportGroupFactory

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 12, 2, 20, tzinfo=dt.UTC)
PLANS = {"implementation_plan": "Patch", "backout_plan": "Roll back", "test_plan": "Smoke test"}


@pytest.fixture
def service(agent):
    group = SupportGroupFactory(name="Infra")
    group.members.add(agent)
    return ServiceFactory(name="ERP; billing", support_group=group)


def scheduled(agent, service, title="Patch ERP, phase 1"):
    template, _ = ChangeTemplate.objects.get_or_create(
        name="T", defaults={"title": "t", "service": service, **PLANS}
    )
    change = change_create(
        actor=agent,
        data={"title": title, "planned_start": START, "planned_end": START + dt.timedelta(hours=2)},
        template=template,
    )
    for name in ("submit", "schedule"):
        change = change_transition(
            actor=agent,
            change=change.pk,
            name=name,
            expected_version=None,
            data={"acknowledge_conflicts": True},
        )
    return change


def test_requester_has_no_access(client, api_client, requester):
    client.force_login(requester)
    assert client.get(reverse("changes:change_list")).status_code == 403
    assert api_client(requester).get("/api/v1/changes/").status_code == 403


def test_api_flow_with_approval_and_refusals(api_client, agent, approver, service):
    cab = SupportGroupFactory(name="CAB")
    cab.members.add(approver)
    client = api_client(agent)
    body = {"title": "Upgrade DB", "service": service.pk, "impact": 2, "likelihood": 2,
            "planned_start": "2026-12-03T20:00:00Z", "planned_end": "2026-12-03T19:00:00Z",
            "approver_group": cab.pk, **PLANS}  # fmt: skip
    bad = client.post("/api/v1/changes/", body, format="json")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["code"] == "planned_window_invalid"
    body["planned_end"] = "2026-12-03T22:00:00Z"
    created = client.post("/api/v1/changes/", body, format="json")
    assert created.status_code == 201, created.json()
    number, etag = created.json()["number"], created["ETag"]
    for name in ("submit", "request_approval"):
        response = client.post(
            f"/api/v1/changes/{number}/transitions/{name}/", {}, format="json", HTTP_IF_MATCH=etag
        )
        assert response.status_code == 200, response.json()
        etag = response["ETag"]
    approve = f"/api/v1/changes/{number}/approve/"
    assert client.post(approve, {}, format="json", HTTP_IF_MATCH=etag).status_code == 403
    cab_client = api_client(approver)
    # an approval names the version read: without it 428, with an older one 412
    assert cab_client.post(approve, {"comment": "OK"}, format="json").status_code == 428
    refused = cab_client.post(
        approve, {"comment": "OK"}, format="json", HTTP_IF_MATCH=created["ETag"]
    )
    assert refused.status_code == 412  # v1: the change has moved on since (submitted, sent)
    approved = cab_client.post(approve, {"comment": "OK"}, format="json", HTTP_IF_MATCH=etag)
    assert approved.status_code == 200, approved.json()
    assert approved.json()["approvals"][0]["decision"] == "approved"
    twice = cab_client.post(approve, {}, format="json", HTTP_IF_MATCH=approved["ETag"])
    assert (twice.status_code, twice.json()["errors"][0]["code"]) == (
        409,
        "not_awaiting_approval",
    ) or twice.status_code == 409
    assert client.get(f"/api/v1/changes/{number}/conflicts/").json() == []


def test_conflicts_endpoint_lists_overlaps(api_client, agent, service):
    first = scheduled(agent, service)
    second = change_create(
        actor=agent,
        data={"title": "Other", "service": service, "planned_start": START + dt.timedelta(hours=1),
              "planned_end": START + dt.timedelta(hours=3), **PLANS},
    )  # fmt: skip
    conflicts = api_client(agent).get(f"/api/v1/changes/{second.number}/conflicts/").json()
    assert [c["number"] for c in conflicts] == [first.number]


def test_calendar_feed_parses_with_an_icalendar_library(client, agent, service):
    change = scheduled(agent, service)
    client.force_login(agent)
    page = client.get(reverse("changes:calendar") + "?year=2026&month=12")
    assert change.number in page.text
    feed = page.context["feed_url"]
    client.logout()
    response = client.get(feed.replace("http://testserver", ""))
    assert response["Content-Type"].startswith("text/calendar")
    events = list(Calendar.from_ical(response.content).walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert str(event["SUMMARY"]) == "{n} Patch ERP, phase 1".format(n=change.number)
    assert event.decoded("DTSTART") == START
    assert "ERP; billing" in str(event["DESCRIPTION"])
    assert client.get(feed.replace("http://testserver", "")[:-8] + "x.ics").status_code == 404


def test_freeze_window_form_for_managers_only(client, agent, manager):
    url = reverse("changes:freeze_list")
    client.force_login(agent)
    valid = {"name": "X", "start": "2026-12-20T00:00", "end": "2026-12-21T00:00"}
    assert client.post(url, valid).status_code == 403
    client.force_login(manager)
    response = client.post(url, {**valid, "end": "2026-12-19T00:00"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.post(url, {**valid, "name": "Year end"}).status_code == 302


def test_detail_page_for_cab_member_shows_the_decision_form(client, agent, approver, service):
    cab = SupportGroupFactory(name="CAB")
    cab.members.add(approver)
    change = change_create(
        actor=agent,
        data={"title": "x", "service": service, "impact": 3, "likelihood": 3, "approver_group": cab,
              "planned_start": START, "planned_end": START + dt.timedelta(hours=1), **PLANS},
    )  # fmt: skip
    for name in ("submit", "request_approval"):
        change_transition(actor=agent, change=change.pk, name=name, expected_version=None)
    client.force_login(approver)
    page = client.get(change.get_absolute_url())
    assert page.context["my_approval"] is not None
    assert client.get(reverse("changes:approval_list")).context["approvals"][0].change == change
    client.post(
        reverse("changes:change_decide", args=[change.number, "reject"]),
        {"comment": ""},
        follow=True,
    )
    assert Change.objects.get().state == "authorisation"  # a rejection needs a reason
    assert 'name="version" value="3"' in page.content.decode()
    stale = client.post(
        reverse("changes:change_decide", args=[change.number, "reject"]),
        {"comment": "Too risky", "version": 1},
        follow=True,
    )
    assert "changed by someone else" in stale.content.decode()
    assert Change.objects.get().state == "authorisation"  # decided on an old version: refused
    client.post(
        reverse("changes:change_decide", args=[change.number, "reject"]),
        {"comment": "Too risky", "version": 3},
    )
    assert Change.objects.get().state == "draft"


def test_incident_page_marks_the_causing_change(client, agent, service):
    from incidents.services import incident_create

    change = scheduled(agent, service)
    incident = incident_create(actor=agent, data={"title": "ERP slow", "service": service})
    client.force_login(agent)
    client.post(
        reverse("changes:incident_caused_by", args=[incident.number]), {"change": change.number}
    )
    page = client.get(incident.get_absolute_url())
    assert change.number in page.text
    assert incident.number in client.get(change.get_absolute_url()).text


def test_templates_and_freeze_windows_api(api_client, agent, manager, service):
    template = ChangeTemplate.objects.create(
        name="Restart", title="Restart", service=service, **PLANS
    )
    assert (
        api_client(agent).post(f"/api/v1/change-templates/{template.pk}/retire/").status_code == 403
    )
    retired = api_client(manager).post(f"/api/v1/change-templates/{template.pk}/retire/")
    assert retired.json()["is_active"] is False
    client = api_client(manager)
    bad = client.post(
        "/api/v1/freeze-windows/",
        {"name": "X", "start": "2026-12-20T00:00:00Z", "end": "2026-12-19T00:00:00Z"},
        format="json",
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["code"] == "freeze_window_invalid"
    good = client.post(
        "/api/v1/freeze-windows/",
        {
            "name": "Year end",
            "start": "2026-12-20T00:00:00Z",
            "end": "2027-01-02T00:00:00Z",
            "services": [service.pk],
        },
        format="json",
    )
    assert good.status_code == 201
    assert api_client(agent).post("/api/v1/freeze-windows/", {}, format="json").status_code == 403
    feed = api_client(agent).get("/api/v1/changes/calendar/")
    assert feed["Content-Type"].startswith("text/calendar")


def test_approvers_are_notified_once_through_the_outbox(agent, approver, service):
    from django.core import mail

    from changes.tasks import send_change_notification
    from core.models import OutboxMessage
    from tests.conftest import run_task

    approver.email = "karl@example.com"
    approver.save()
    change = change_create(
        actor=agent,
        data={"title": "x", "service": service, "impact": 3, "likelihood": 3, "approvers": [approver],
              "planned_start": START, "planned_end": START + dt.timedelta(hours=1), **PLANS},
    )  # fmt: skip
    for name in ("submit", "request_approval"):
        change_transition(actor=agent, change=change.pk, name=name, expected_version=None)
    message = OutboxMessage.objects.get(task="changes.send_change_notification")
    kwargs = {**message.kwargs, "outbox_id": str(message.id)}
    assert run_task(send_change_notification, **kwargs) is True
    assert run_task(send_change_notification, **kwargs) is False
    assert mail.outbox[0].to == ["karl@example.com"]
    assert change.number in mail.outbox[0].subject


def test_week_view_shows_the_changes_of_that_week(client, agent, service):
    change = scheduled(agent, service)
    client.force_login(agent)
    page = client.get(reverse("changes:calendar") + "?view=week&date=2026-12-02")
    assert page.context["week_start"].isoformat() == "2026-11-30"
    assert change.number in page.text
    other = client.get(reverse("changes:calendar") + "?view=week&date=2026-12-09")
    assert change.number not in other.text
    assert client.get(reverse("changes:calendar") + "?view=week&date=garbage").status_code == 200


def test_templates_page_retires_for_managers_only(client, agent, manager, service):
    template = ChangeTemplate.objects.create(
        name="Restart", title="Restart", service=service, **PLANS
    )
    url = reverse("changes:template_retire", args=[template.pk])
    client.force_login(agent)
    assert "Retire" not in client.get(reverse("changes:template_list")).text
    client.post(url)
    template.refresh_from_db()
    assert template.is_active
    client.force_login(manager)
    client.post(url)
    template.refresh_from_db()
    assert not template.is_active


def test_renewing_the_calendar_address_revokes_the_old_one(client, agent, service):
    scheduled(agent, service)
    client.force_login(agent)
    old = (
        client.get(reverse("changes:calendar")).context["feed_url"].replace("http://testserver", "")
    )
    assert client.get(old).status_code == 200
    client.post(reverse("changes:calendar_feed_reset"))
    new = (
        client.get(reverse("changes:calendar")).context["feed_url"].replace("http://testserver", "")
    )
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
