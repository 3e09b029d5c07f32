"""SLA clocks on incidents: rebuilt from history, scanned once, escalated, auto-close."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from core.models import OutboxMessage
from incidents.services import (
    incident_close_resolved_due,
    incident_create,
    incident_sla_compute,
    incident_sla_scan,
    incident_transition,
    incident_update,
)
from incidents.tasks import close_resolved_incidents, scan_incident_sla, send_incident_notification
from sla.models import SlaNotification
from tests.conftest import run_task
from tests.factories import ServiceFactory, SupportGroupFactory, office_policy

pytestmark = pytest.mark.django_db
STO = ZoneInfo("Europe/Stockholm")
MON_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=STO)


@pytest.fixture
def service(agent, manager):
    manager.email = "manager@example.com"
    manager.save()
    group = SupportGroupFactory(name="Desk", manager=manager)
    group.members.add(agent)
    return ServiceFactory(name="Payroll", support_group=group, sla_policy=office_policy())


def log(actor, service, now=MON_9, **data):
    return incident_create(
        actor=actor,
        data={"title": "Down", "service": service, "impact": 1, "urgency": 1, **data},
        now=now,
    )


def stored(incident):
    incident.refresh_from_db()
    return (
        incident.response_due_at,
        incident.resolution_due_at,
        incident.resolution_warn_at,
        incident.resolution_elapsed_seconds,
        incident.resolution_target_seconds,
        incident.paused_seconds,
        incident.sla_state,
    )


def rebuilt(incident, now):
    r = incident_sla_compute(incident=incident, now=now)
    return (
        r.response_due_at,
        r.resolution_due_at,
        r.resolution_warn_at,
        r.resolution_elapsed_seconds,
        r.resolution_target_seconds,
        r.paused_seconds,
        r.sla_state,
    )


def test_clock_rebuilt_from_history_equals_the_stored_one(agent, service):
    incident = log(agent, service)
    assert stored(incident) == rebuilt(incident, MON_9), "created"
    assert incident.resolution_due_at is not None
    steps = [
        ("start", {}, 0.5),
        ("hold", {"hold_reason": "awaiting_caller"}, 1),
        ("resume", {}, 26),  # paused overnight
        ("resolve", {"resolution_code": "fixed", "resolution_notes": "ok"}, 27),
        ("reopen", {}, 28),
    ]
    for version, (name, data, hours) in enumerate(steps, start=1):
        now = MON_9 + dt.timedelta(hours=hours)
        incident_transition(
            actor=agent,
            incident=incident.pk,
            name=name,
            expected_version=version,
            data=data,
            now=now,
        )
        assert stored(incident) == rebuilt(incident, now), name


def test_priority_change_keeps_elapsed_time_and_applies_the_new_target(agent, service):
    incident = log(agent, service, impact=3, urgency=3)  # P5: 20 h
    incident_transition(
        actor=agent, incident=incident.pk, name="start", expected_version=1, now=MON_9
    )
    later = MON_9 + dt.timedelta(hours=2)
    incident = incident_update(
        actor=agent,
        incident=incident.pk,
        expected_version=2,
        data={"impact": 1, "urgency": 1},
        now=later,
    )
    assert incident.priority == 1
    # P1 resolution is 4 business hours from the original start, not from the change.
    assert incident.resolution_due_at == MON_9 + dt.timedelta(hours=4)
    assert incident.resolution_elapsed_seconds == 2 * 3600
    assert incident.history.filter(priority=1).exists()
    assert stored(incident) == rebuilt(incident, later)


def test_scan_fires_warning_and_breach_once_and_escalates_to_the_manager(agent, service, manager):
    incident = log(agent, service)  # P1: due 13:00, warning at 12:00
    assert incident.resolution_warn_at == dt.datetime(2026, 11, 23, 12, 0, tzinfo=STO)
    nothing = {"warning": 0, "breach": 0, "response_breach": 0}
    assert incident_sla_scan(now=MON_9 + dt.timedelta(minutes=30)) == nothing
    # P1 response target is 1 h and nobody responded.
    at_10 = MON_9 + dt.timedelta(hours=1, minutes=1)
    assert incident_sla_scan(now=at_10) == {**nothing, "response_breach": 1}
    at_12 = MON_9 + dt.timedelta(hours=3, minutes=1)
    assert incident_sla_scan(now=at_12) == {**nothing, "warning": 1}
    breach_time = MON_9 + dt.timedelta(hours=4, minutes=1)
    assert incident_sla_scan(now=breach_time) == {**nothing, "breach": 1}
    assert incident_sla_scan(now=breach_time) == nothing
    assert SlaNotification.objects.count() == 3
    incident.refresh_from_db()
    assert incident.sla_state == "breached"
    breach_mails = OutboxMessage.objects.filter(kwargs__event="sla_breach")
    assert manager.pk in {m.kwargs["recipient_id"] for m in breach_mails}


def test_scan_task_runs_twice_without_duplicates(agent, service):
    log(agent, service, now=dt.datetime(2026, 1, 5, 9, 0, tzinfo=STO))  # long breached
    run_task(scan_incident_sla)
    run_task(scan_incident_sla)
    assert SlaNotification.objects.filter(kind="breach", metric="resolution").count() == 1


def test_auto_close_after_the_period_is_idempotent(agent, service):
    incident = log(agent, service)
    incident_transition(
        actor=agent,
        incident=incident.pk,
        name="resolve",
        expected_version=1,
        data={"resolution_code": "fixed", "resolution_notes": "ok"},
        now=MON_9,
    )
    assert incident_close_resolved_due(now=MON_9 + dt.timedelta(days=2)) == 0
    assert incident_close_resolved_due(now=MON_9 + dt.timedelta(days=4)) == 1
    assert incident_close_resolved_due(now=MON_9 + dt.timedelta(days=4)) == 0
    incident.refresh_from_db()
    assert incident.state == "closed"
    assert run_task(close_resolved_incidents) == 0


def test_notification_task_sends_once_per_outbox_message(agent, service, requester):
    requester.email = "anna@example.com"
    requester.save()
    incident = log(agent, service, caller=requester)
    message = OutboxMessage.objects.get(kwargs__event="created")
    kwargs = {**message.kwargs, "outbox_id": str(message.id)}
    assert run_task(send_incident_notification, **kwargs) is True
    assert run_task(send_incident_notification, **kwargs) is False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["anna@example.com"]
    assert incident.number in mail.outbox[0].subject
    # automatic mail: auto-responders (and the desk's own mail reader) must not answer it
    assert mail.outbox[0].extra_headers["Auto-Submitted"] == "auto-generated"


def test_a_changed_target_applies_to_the_next_write_at_once(agent, service):
    """The policies and targets are cached; editing a target retires them."""
    from sla.models import SlaTarget

    first = log(agent, service)  # P1
    target = SlaTarget.objects.get(policy=service.sla_policy, priority=first.priority)
    target.resolution_minutes += 60
    target.save()
    second = log(agent, service)
    assert second.resolution_target_seconds == first.resolution_target_seconds + 3600
    target.delete()
    assert log(agent, service).resolution_target_seconds in (None, 0)


def test_an_incidents_event_and_notifications_are_written_in_one_statement(
    agent, service, requester
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    agent.email = "agent@example.com"
    agent.save()
    requester.email = "anna@example.com"
    requester.save()
    with CaptureQueriesContext(connection) as queries:
        log(agent, service, caller=requester)
    inserts = [q for q in queries.captured_queries if 'INTO "core_outboxmessage"' in q["sql"]]
    assert len(inserts) == 1
    events = sorted(m.kwargs.get("event") for m in OutboxMessage.objects.all())
    assert events == ["assigned_group", "created", "incident.created"]
