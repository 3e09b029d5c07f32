"""Incident services: create, update, transitions, comments, with their effects."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.exceptions import (
    DomainError,
    NotFound,
    PermissionDenied,
    TransitionRefused,
    VersionConflict,
)
from core.models import OutboxMessage
from incidents.models import Incident
from incidents.services import (
    incident_comment_add,
    incident_create,
    incident_transition,
    incident_update,
)
from tests.factories import ServiceFactory, SupportGroupFactory, office_policy

pytestmark = pytest.mark.django_db
STO = ZoneInfo("Europe/Stockholm")
MONDAY_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=STO)


@pytest.fixture
def service(agent, manager):
    group = SupportGroupFactory(name="Desk", manager=manager)
    group.members.add(agent)
    return ServiceFactory(name="Payroll", support_group=group, sla_policy=office_policy())


def log(actor, service, **data):
    return incident_create(
        actor=actor,
        data={"title": "Payslips missing", "service": service, "impact": 2, "urgency": 2, **data},
        now=data.pop("now", MONDAY_9),
    )


class TestIncidentCreate:
    @pytest.mark.parametrize(
        ("impact", "urgency", "priority"),
        [
            (1, 1, 1),
            (1, 2, 2),
            (2, 1, 2),
            (1, 3, 3),
            (2, 2, 3),
            (3, 1, 3),
            (2, 3, 4),
            (3, 2, 4),
            (3, 3, 5),
        ],
    )
    def test_priority_follows_the_itil_matrix(self, agent, service, impact, urgency, priority):
        incident = log(agent, service, impact=impact, urgency=urgency)
        assert incident.priority == priority

    def test_number_group_policy_and_clocks_come_from_the_service(self, agent, service):
        incident = log(agent, service)
        assert incident.number == "INC0000001"
        assert incident.assignment_group == service.support_group
        assert incident.sla_policy == service.sla_policy
        # P3: 3 h response, 12 business hours resolution from Monday 09:00 (08–17).
        assert incident.response_due_at == dt.datetime(2026, 11, 23, 12, 0, tzinfo=STO)
        assert incident.resolution_due_at == dt.datetime(2026, 11, 24, 12, 0, tzinfo=STO)
        assert incident.sla_state == "running"
        assert incident.history.count() == 1

    def test_notifications_go_to_the_outbox_in_the_same_transaction(
        self, agent, service, requester
    ):
        requester.email, agent.email = "req@example.com", "agent@example.com"
        requester.save()
        agent.save()
        incident = log(agent, service, caller=requester)
        mails = OutboxMessage.objects.filter(task="incidents.send_incident_notification")
        assert sorted(m.kwargs["event"] for m in mails) == ["assigned_group", "created"]
        assert all(m.kwargs["incident_id"] == incident.pk for m in mails)
        event = OutboxMessage.objects.get(task="integrations.fan_out")
        assert event.kwargs["event"] == "incident.created"
        assert event.kwargs["payload"]["number"] == incident.number

    def test_a_group_is_notified_as_its_membership_stands(self, agent, manager, service):
        """The members a group notification goes to are cached, and follow every change of
        membership, activity or address on the next incident."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from tests.factories import UserFactory

        def notified() -> set[int]:
            log(agent, service)
            mails = OutboxMessage.objects.filter(kwargs__event="assigned_group")
            recipients = {m.kwargs["recipient_id"] for m in mails}
            mails.delete()
            return recipients

        group = service.support_group
        group.members.add(manager)
        newcomer = UserFactory(username="newcomer", email="new@example.com")
        agent.email, manager.email = "agent@example.com", "manager@example.com"
        agent.save()
        manager.save()
        assert notified() == {agent.pk, manager.pk}
        with CaptureQueriesContext(connection) as queries:
            assert notified() == {agent.pk, manager.pk}
        assert not [q for q in queries.captured_queries if "supportgroup_members" in q["sql"]]
        group.members.add(newcomer)
        assert notified() == {agent.pk, manager.pk, newcomer.pk}
        group.members.remove(manager)
        newcomer.is_active = False
        newcomer.save()
        assert notified() == {agent.pk}
        agent.email = ""
        agent.save()
        assert notified() == set()

    def test_requester_logs_for_themselves_only(self, requester, agent, service):
        incident = log(requester, service, caller=agent, assignee=agent, impact=1)
        assert incident.caller == requester
        assert incident.assignee is None
        assert incident.impact == 3  # requesters give urgency only; impact is triage's job

    def test_invalid_impact_is_a_field_error_and_nothing_is_saved(self, agent, service):
        from django.core.exceptions import ValidationError

        with pytest.raises((ValidationError, ValueError)):
            log(agent, service, impact=7)
        assert not Incident.objects.exists()


class TestIncidentUpdate:
    def test_impact_change_rederives_priority(self, agent, service):
        incident = log(agent, service)
        updated = incident_update(
            actor=agent, incident=incident.number, expected_version=1, data={"impact": 1}
        )
        assert (updated.priority, updated.version) == (2, 2)

    def test_only_a_manager_overrides_priority_and_needs_a_reason(self, agent, manager, service):
        incident = log(agent, service)
        with pytest.raises(PermissionDenied):
            incident_update(
                actor=agent, incident=incident.pk, expected_version=1, data={"priority": 1}
            )
        with pytest.raises(DomainError) as err:
            incident_update(
                actor=manager, incident=incident.pk, expected_version=1, data={"priority": 1}
            )
        assert err.value.code == "priority_override_reason_required"
        updated = incident_update(
            actor=manager,
            incident=incident.pk,
            expected_version=1,
            data={"priority": 1, "priority_override_reason": "CEO affected"},
        )
        assert updated.priority == 1
        # A later impact change keeps the override.
        updated = incident_update(
            actor=manager, incident=incident.pk, expected_version=2, data={"impact": 3}
        )
        assert updated.priority == 1

    def test_group_change_counts_a_reassignment(self, agent, service):
        incident = log(agent, service)
        other = SupportGroupFactory(name="Network")
        updated = incident_update(
            actor=agent, incident=incident.pk, expected_version=1, data={"assignment_group": other}
        )
        assert updated.reassignment_count == 1

    def test_stale_version_is_refused(self, agent, service):
        incident = log(agent, service)
        incident_update(actor=agent, incident=incident.pk, expected_version=1, data={"title": "A"})
        with pytest.raises(VersionConflict):
            incident_update(
                actor=agent, incident=incident.pk, expected_version=1, data={"title": "B"}
            )
        assert Incident.objects.get().title == "A"

    def test_requester_cannot_edit(self, requester, service):
        incident = log(requester, service)
        with pytest.raises(PermissionDenied):
            incident_update(
                actor=requester, incident=incident.pk, expected_version=1, data={"title": "x"}
            )


class TestIncidentTransition:
    def test_life_cycle_with_hold_resolve_and_close(self, agent, service):
        incident = log(agent, service)
        t = MONDAY_9
        incident = incident_transition(
            actor=agent, incident=incident.pk, name="start", expected_version=1, now=t
        )
        assert (incident.state, incident.assignee, incident.responded_at) == (
            "in_progress",
            agent,
            t,
        )
        incident = incident_transition(
            actor=agent,
            incident=incident.pk,
            name="hold",
            expected_version=2,
            data={"hold_reason": "awaiting_caller"},
            now=t + dt.timedelta(hours=1),
        )
        assert incident.sla_state == "paused"
        assert incident.resolution_due_at is None
        incident = incident_transition(
            actor=agent,
            incident=incident.pk,
            name="resume",
            expected_version=3,
            now=t + dt.timedelta(hours=3),
        )
        # Two paused business hours push the due time out by two hours.
        assert incident.resolution_due_at == dt.datetime(2026, 11, 24, 14, 0, tzinfo=STO)
        assert incident.hold_reason == ""
        incident = incident_transition(
            actor=agent,
            incident=incident.pk,
            name="resolve",
            expected_version=4,
            data={"resolution_code": "fixed", "resolution_notes": "Re-ran the batch."},
            now=t + dt.timedelta(hours=4),
        )
        assert incident.resolved_at == t + dt.timedelta(hours=4)
        assert incident.sla_state == "met"
        assert incident.first_contact_resolution is True
        incident = incident_transition(
            actor=agent, incident=incident.pk, name="close", expected_version=5
        )
        assert incident.closed_at is not None
        assert incident.history.count() == 6

    def test_hold_for_a_vendor_does_not_pause(self, agent, service):
        incident = log(agent, service)
        incident_transition(actor=agent, incident=incident.pk, name="start", expected_version=1)
        incident = incident_transition(
            actor=agent,
            incident=incident.pk,
            name="hold",
            expected_version=2,
            data={"hold_reason": "awaiting_vendor"},
        )
        assert incident.sla_state != "paused"

    def test_refusal_names_the_rule_and_changes_nothing(self, agent, service):
        incident = log(agent, service)
        with pytest.raises(TransitionRefused) as err:
            incident_transition(
                actor=agent, incident=incident.pk, name="resolve", expected_version=1, data={}
            )
        assert err.value.code == "resolution_code_required"
        with pytest.raises(TransitionRefused) as err:
            incident_transition(actor=agent, incident=incident.pk, name="close", expected_version=1)
        assert err.value.code == "invalid_source_state"
        assert Incident.objects.get().version == 1

    def test_caller_rejects_a_resolution_which_reopens_it(self, agent, requester, service):
        incident = log(requester, service)
        incident_transition(
            actor=agent,
            incident=incident.pk,
            name="resolve",
            expected_version=1,
            data={"resolution_code": "fixed", "resolution_notes": "Done"},
        )
        with pytest.raises(TransitionRefused) as err:
            incident_transition(
                actor=agent,
                incident=incident.pk,
                name="reject",
                expected_version=2,
                data={"comment": "x"},
            )
        assert err.value.code == "caller_only"
        reopened = incident_transition(
            actor=requester,
            incident=incident.pk,
            name="reject",
            expected_version=2,
            data={"comment": "Still no payslip"},
        )
        assert (reopened.state, reopened.reopen_count, reopened.resolved_at) == (
            "in_progress",
            1,
            None,
        )
        assert reopened.comments.get().body == "Still no payslip"

    def test_caller_confirms_a_resolution(self, agent, requester, service):
        incident = log(requester, service)
        incident_transition(
            actor=agent,
            incident=incident.pk,
            name="resolve",
            expected_version=1,
            data={"resolution_code": "fixed", "resolution_notes": "Done"},
        )
        closed = incident_transition(
            actor=requester, incident=incident.pk, name="confirm", expected_version=2
        )
        assert closed.state == "closed"

    def test_reopen_after_the_window_is_refused(self, agent, service):
        incident = log(agent, service)
        incident_transition(
            actor=agent,
            incident=incident.pk,
            name="resolve",
            expected_version=1,
            data={"resolution_code": "fixed", "resolution_notes": "Done"},
            now=MONDAY_9,
        )
        with pytest.raises(TransitionRefused) as err:
            incident_transition(
                actor=agent,
                incident=incident.pk,
                name="reopen",
                expected_version=2,
                now=MONDAY_9 + dt.timedelta(days=8),
            )
        assert err.value.code == "reopen_window_expired"

    def test_resolving_a_parent_resolves_open_children(self, agent, service):
        parent = log(agent, service, title="Payroll down")
        child = log(agent, service, title="No payslip", parent=parent)
        incident_transition(
            actor=agent,
            incident=parent.pk,
            name="resolve",
            expected_version=1,
            data={"resolution_code": "fixed", "resolution_notes": "Restarted"},
        )
        child.refresh_from_db()
        assert child.state == "resolved"
        assert parent.number in child.resolution_notes
        assert child.history.count() == 2

    def test_requester_cannot_see_or_move_anothers_incident(
        self, requester, other_requester, service
    ):
        incident = log(other_requester, service)
        with pytest.raises(NotFound):
            incident_transition(
                actor=requester, incident=incident.pk, name="confirm", expected_version=1
            )


class TestComments:
    def test_staff_public_comment_counts_as_response(self, agent, requester, service):
        incident = log(requester, service)
        incident_comment_add(
            actor=agent, incident=incident.pk, body="Looking into it", now=MONDAY_9
        )
        incident.refresh_from_db()
        assert incident.responded_at == MONDAY_9
        assert incident.version == 1  # comments do not bump the version

    def test_requester_cannot_write_work_notes(self, requester, service):
        incident = log(requester, service)
        with pytest.raises(PermissionDenied):
            incident_comment_add(actor=requester, incident=incident.pk, body="x", kind="work_note")

    def test_empty_comment_is_refused(self, agent, service):
        incident = log(agent, service)
        with pytest.raises(DomainError) as err:
            incident_comment_add(actor=agent, incident=incident.pk, body="   ")
        assert err.value.code == "comment_empty"


def test_a_transition_validates_what_it_changes(agent):
    """Transitions validate the fields they change (not every foreign key and constraint
    again, a SELECT each: the database guards those); a resolve dated before the opening is
    refused in words, and a bad resolution code still is."""
    import datetime as dt

    from django.core.exceptions import ValidationError

    from incidents.services import incident_create, incident_transition
    from tests.factories import ServiceFactory

    incident = incident_create(
        actor=agent, data={"title": "Disk full", "service": ServiceFactory()}
    )
    with pytest.raises(ValidationError) as early:
        incident_transition(
            actor=agent, incident=incident.pk, name="resolve", expected_version=None,
            data={"resolution_code": "fixed", "resolution_notes": "Cleaned up."},
            now=incident.opened_at - dt.timedelta(minutes=5),
        )  # fmt: skip
    assert "resolved_at" in early.value.message_dict
    with pytest.raises(ValidationError) as bad_code:
        incident_transition(
            actor=agent, incident=incident.pk, name="resolve", expected_version=None,
            data={"resolution_code": "nonsense", "resolution_notes": "x"},
        )  # fmt: skip
    assert "resolution_code" in bad_code.value.message_dict
    incident.refresh_from_db()
    assert (incident.state, incident.version) == ("new", 1)
