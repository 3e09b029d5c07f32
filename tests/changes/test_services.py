"""Change services: guards per transition, approval rules per type, conflicts, freezes,
templates, links to incidents and problems."""

import datetime as dt

import pytest

from changes.models import Change, ChangeApproval, ChangeTemplate, FreezeWindow
from changes.risk import risk_for, risk_propose
from changes.selectors import change_conflicts, change_history_stats
from changes.services import (
    change_create,
    change_decide,
    change_link_caused_incident,
    change_template_retire,
    change_transition,
    change_update,
)
from core.exceptions import DomainError, TransitionRefused
from incidents.services import incident_create
from problems.services import problem_create, problem_transition
from tests.conftest import make_user
from tests.factories import ConfigurationItemFactory, ServiceFactory, SupportGroupFactory

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 12, 2, 20, tzinfo=dt.UTC)
END = START + dt.timedelta(hours=2)
PLANS = {"implementation_plan": "Patch", "backout_plan": "Roll back", "test_plan": "Smoke test"}


@pytest.fixture
def service(agent):
    group = SupportGroupFactory(name="Infra")
    group.members.add(agent)
    return ServiceFactory(name="ERP", support_group=group)


@pytest.fixture
def cab(approver):
    second = make_user("approver2", "change_approver")
    group = SupportGroupFactory(name="CAB")
    group.members.add(approver, second)
    return group


def raise_change(actor, service, **data):
    values = {
        "title": "Patch ERP",
        "service": service,
        "impact": 2,
        "likelihood": 2,
        "planned_start": START,
        "planned_end": END,
        **PLANS,
        **data,
    }
    return change_create(actor=actor, data=values)


def step(actor, change, name, **data):
    return change_transition(
        actor=actor, change=change.number, name=name, expected_version=None, data=data
    )


class TestRisk:
    @pytest.mark.parametrize(
        ("impact", "likelihood", "risk"),
        [(1, 1, "high"), (1, 3, "medium"), (2, 2, "medium"), (3, 3, "low")],
    )
    def test_matrix(self, impact, likelihood, risk):
        assert risk_for(impact, likelihood) == risk

    def test_questionnaire_and_track_record(self):
        assert risk_propose({"outage": True, "untested": True}).risk == "medium"
        assert risk_propose({}, failure_rate=0.5).likelihood == 2

    def test_risk_is_derived_from_impact_and_likelihood(self, agent, service):
        assert raise_change(agent, service).risk == "medium"


class TestGuards:
    def test_submit_names_each_missing_field(self, agent, service):
        change = change_create(actor=agent, data={"title": "x", "service": service})
        with pytest.raises(TransitionRefused) as err:
            step(agent, change, "submit")
        assert err.value.code == "risk_required"

    def test_window_end_before_start_is_refused_at_entry(self, agent, service):
        with pytest.raises(DomainError) as err:
            raise_change(agent, service, planned_end=START - dt.timedelta(hours=1))
        assert err.value.code == "planned_window_invalid"
        assert not Change.objects.exists()

    def test_standard_change_only_from_a_template_and_it_stays_the_template(self, agent, service):
        with pytest.raises(DomainError) as err:
            raise_change(agent, service, change_type="standard", impact=3, likelihood=3)
        assert err.value.code == "standard_needs_template"
        normal = raise_change(agent, service)
        with pytest.raises(DomainError) as err:
            change_update(
                actor=agent,
                change=normal.number,
                expected_version=None,
                data={"change_type": "standard"},
            )
        assert err.value.code == "standard_needs_template"
        template = ChangeTemplate.objects.create(name="T", title="t", service=service, **PLANS)
        standard = change_create(
            actor=agent, data={"planned_start": START, "planned_end": END}, template=template
        )
        with pytest.raises(DomainError) as err:
            change_update(
                actor=agent,
                change=standard.number,
                expected_version=None,
                data={"implementation_plan": "Something else", "risk": "medium"},
            )
        assert err.value.code == "template_fields_locked"
        moved = change_update(
            actor=agent,
            change=standard.number,
            expected_version=None,
            data={
                "planned_start": START + dt.timedelta(hours=1),
                "planned_end": END + dt.timedelta(hours=1),
            },
        )
        assert moved.planned_start == START + dt.timedelta(hours=1)

    def test_close_needs_a_review_after_failure_and_for_emergencies(
        self, agent, approver, cab, service
    ):
        change = raise_change(agent, service, change_type="emergency", approver_group=cab)
        step(agent, change, "submit")
        step(agent, change, "request_approval")
        change_decide(actor=approver, change=change.number, approve=True)
        step(agent, change, "schedule")
        step(agent, change, "implement")
        step(agent, change, "review", outcome="successful")
        with pytest.raises(TransitionRefused) as err:
            step(agent, change, "close")
        assert err.value.code == "post_implementation_review_required"
        closed = step(agent, change, "close", review_notes="Went fine; ECAB was reachable.")
        assert closed.state == "closed"


class TestApprovals:
    def test_normal_change_needs_every_approver(self, agent, approver, cab, service):
        change = raise_change(agent, service, approver_group=cab)
        step(agent, change, "submit")
        step(agent, change, "request_approval")
        assert ChangeApproval.objects.filter(change=change).count() == 2
        change_decide(actor=approver, change=change.number, approve=True)
        with pytest.raises(TransitionRefused) as err:
            step(agent, change, "schedule")
        assert err.value.code == "approvals_missing"
        second = ChangeApproval.objects.exclude(approver=approver).get().approver
        change_decide(actor=second, change=change.number, approve=True)
        assert step(agent, change, "schedule").state == "scheduled"

    def test_any_rejection_sends_it_back_to_draft_with_the_reason(
        self, agent, approver, cab, service
    ):
        change = raise_change(agent, service, approver_group=cab)
        step(agent, change, "submit")
        step(agent, change, "request_approval")
        with pytest.raises(DomainError) as err:
            change_decide(actor=approver, change=change.number, approve=False)
        assert err.value.code == "rejection_reason_required"
        change_decide(
            actor=approver, change=change.number, approve=False, comment="No backout tested"
        )
        change.refresh_from_db()
        assert change.state == "draft"
        assert "No backout tested" in change.comments.get().body

    def test_approving_twice_or_without_the_role_is_refused(self, agent, approver, cab, service):
        change = raise_change(agent, service, approver_group=cab)
        step(agent, change, "submit")
        step(agent, change, "request_approval")
        change_decide(actor=approver, change=change.number, approve=True)
        with pytest.raises(DomainError) as err:
            change_decide(actor=approver, change=change.number, approve=True)
        assert err.value.code == "already_decided"
        from core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            change_decide(actor=agent, change=change.number, approve=True)

    def test_emergency_needs_one_approval(self, agent, approver, cab, service):
        change = raise_change(agent, service, change_type="emergency", approver_group=cab)
        step(agent, change, "submit")
        step(agent, change, "request_approval")
        change_decide(actor=approver, change=change.number, approve=True)
        assert step(agent, change, "schedule").state == "scheduled"

    def test_nobody_approves_their_own_change(self, agent, manager, approver, service):
        change = raise_change(manager, service, approvers=[manager, approver])
        step(manager, change, "submit")
        step(manager, change, "request_approval")
        assert [a.approver for a in ChangeApproval.objects.filter(change=change)] == [approver]
        with pytest.raises(DomainError) as err:
            change_decide(actor=manager, change=change.number, approve=True)
        assert err.value.code == "self_approval"

    def test_a_rejection_withdraws_the_other_pending_approvals(self, agent, approver, cab, service):
        change = raise_change(agent, service, approver_group=cab)
        step(agent, change, "submit")
        step(agent, change, "request_approval")
        change_decide(actor=approver, change=change.number, approve=False, comment="No")
        assert sorted(ChangeApproval.objects.values_list("decision", flat=True)) == [
            "rejected",
            "withdrawn",
        ]

    def test_request_approval_needs_approvers(self, agent, service):
        change = raise_change(agent, service)
        step(agent, change, "submit")
        with pytest.raises(TransitionRefused) as err:
            step(agent, change, "request_approval")
        assert err.value.code == "approvers_required"

    def test_standard_change_skips_authorisation(self, agent, manager, service):
        template = ChangeTemplate.objects.create(
            name="Restart app", title="Restart the app", service=service, **PLANS
        )
        change = change_create(
            actor=agent, data={"planned_start": START, "planned_end": END}, template=template
        )
        assert (change.change_type, change.risk) == ("standard", "low")
        step(agent, change, "submit")
        with pytest.raises(TransitionRefused) as err:
            step(agent, change, "request_approval")
        assert err.value.code == "standard_change_preapproved"
        assert step(agent, change, "schedule").state == "scheduled"
        change_template_retire(actor=manager, template_id=template.pk)
        with pytest.raises(DomainError) as err:
            change_create(actor=agent, data={}, template=ChangeTemplate.objects.get())
        assert err.value.code == "template_retired"


class TestCollisionsAndFreezes:
    def _scheduled(self, agent, service, start, end, **data):
        template, _ = ChangeTemplate.objects.get_or_create(
            name="T", defaults={"title": "t", "service": service, **PLANS}
        )
        change = change_create(
            actor=agent,
            data={"planned_start": start, "planned_end": end, **data},
            template=template,
        )
        step(agent, change, "submit")
        return step(agent, change, "schedule", acknowledge_conflicts=True)

    def test_overlap_on_the_same_service_is_a_conflict_but_touching_windows_are_not(
        self, agent, service
    ):
        first = self._scheduled(agent, service, START, END)
        touching = raise_change(
            agent, service, planned_start=END, planned_end=END + dt.timedelta(hours=1)
        )
        assert list(change_conflicts(change=touching)) == []
        overlapping = raise_change(
            agent,
            service,
            planned_start=END - dt.timedelta(minutes=1),
            planned_end=END + dt.timedelta(hours=1),
        )
        assert list(change_conflicts(change=overlapping)) == [first]

    def test_overlap_on_a_shared_ci_is_a_conflict(self, agent, service):
        ci = ConfigurationItemFactory()
        other_service = ServiceFactory(name="Portal")
        first = self._scheduled(agent, other_service, START, END)
        first.cis.add(ci)
        second = raise_change(agent, service, cis=[ci])
        assert list(change_conflicts(change=second)) == [first]

    def test_scheduling_over_a_conflict_needs_acknowledgement(self, agent, service):
        self._scheduled(agent, service, START, END)
        template = ChangeTemplate.objects.get()
        change = change_create(
            actor=agent, data={"planned_start": START, "planned_end": END}, template=template
        )
        step(agent, change, "submit")
        with pytest.raises(TransitionRefused) as err:
            step(agent, change, "schedule")
        assert err.value.code == "unacknowledged_conflict"
        assert step(agent, change, "schedule", acknowledge_conflicts=True).state == "scheduled"

    def test_freeze_refuses_all_but_emergencies(self, agent, approver, cab, service, manager):
        FreezeWindow.objects.create(
            name="Year end",
            start=START - dt.timedelta(days=1),
            end=END + dt.timedelta(days=1),
            created_by=manager,
        )
        template = ChangeTemplate.objects.create(name="T", title="t", service=service, **PLANS)
        change = change_create(
            actor=agent, data={"planned_start": START, "planned_end": END}, template=template
        )
        step(agent, change, "submit")
        with pytest.raises(TransitionRefused) as err:
            step(agent, change, "schedule")
        assert err.value.code == "freeze_window"
        emergency = raise_change(agent, service, change_type="emergency", approver_group=cab)
        step(agent, emergency, "submit")
        step(agent, emergency, "request_approval")
        change_decide(actor=approver, change=emergency.number, approve=True)
        scheduled = step(agent, emergency, "schedule", acknowledge_conflicts=True)
        assert scheduled.state == "scheduled"


class TestLinks:
    def test_caused_incidents_and_history_evidence(self, agent, service):
        change = raise_change(agent, service)
        incident = incident_create(actor=agent, data={"title": "ERP down", "service": service})
        change_link_caused_incident(actor=agent, change=change.number, incident=incident.number)
        with pytest.raises(DomainError) as err:
            change_link_caused_incident(actor=agent, change=change.number, incident=incident.number)
        assert err.value.code == "incident_already_caused_by"
        Change.objects.filter(pk=change.pk).update(state="closed", outcome="failed")
        stats = change_history_stats(service_id=service.pk, ci_ids=[])
        assert (
            stats["closed"],
            stats["failed"],
            stats["incidents_caused"],
            stats["success_rate"],
        ) == (1, 1, 1, 0)

    def test_closing_the_fix_change_resolves_the_problem(self, agent, service):
        problem = problem_create(actor=agent, data={"title": "ERP leak", "service": service})
        for name in ("assess", "analyse"):
            problem = problem_transition(
                actor=agent, problem=problem.pk, name=name, expected_version=None
            )
        template = ChangeTemplate.objects.create(
            name="Fix", title="Apply fix", service=service, **PLANS
        )
        change = change_create(
            actor=agent,
            data={"planned_start": START, "planned_end": END, "fixes_problem": problem},
            template=template,
        )
        for name in ("submit", "schedule", "implement"):
            step(agent, change, name)
        step(agent, change, "review", outcome="successful")
        step(agent, change, "close", resolve_problem=True)
        problem.refresh_from_db()
        assert problem.state == "resolved"
        assert change.number in problem.resolution_notes

    def test_only_draft_and_assessed_changes_are_edited(self, agent, service):
        template = ChangeTemplate.objects.create(name="T", title="t", service=service, **PLANS)
        change = change_create(
            actor=agent, data={"planned_start": START, "planned_end": END}, template=template
        )
        step(agent, change, "submit")
        step(agent, change, "schedule")
        with pytest.raises(DomainError) as err:
            change_update(
                actor=agent, change=change.number, expected_version=None, data={"title": "x"}
            )
        assert err.value.code == "change_locked"


def test_a_freeze_declared_after_scheduling_still_holds_at_implementation(agent, manager, service):
    template = ChangeTemplate.objects.create(name="T", title="t", service=service, **PLANS)
    change = change_create(
        actor=agent, data={"planned_start": START, "planned_end": END}, template=template
    )
    step(agent, change, "submit")
    step(agent, change, "schedule")
    FreezeWindow.objects.create(name="Incident freeze", start=START, end=END, created_by=manager)
    with pytest.raises(TransitionRefused) as err:
        step(agent, change, "implement")
    assert err.value.code == "freeze_window"
