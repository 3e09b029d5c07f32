"""Hypothesis walks random transition sequences: no illegal move is accepted, every refusal
names a rule with a 4xx status, and the invariants hold after every step."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from core.exceptions import DomainError
from incidents.choices import HoldReason, IncidentState
from incidents.models import Incident
from incidents.services import incident_create, incident_transition
from incidents.workflow import INCIDENT_WORKFLOW
from tests.conftest import make_user
from tests.factories import ServiceFactory, SupportGroupFactory, office_policy

DATA = st.fixed_dictionaries(
    {},
    optional={
        "hold_reason": st.sampled_from(["", *HoldReason.values]),
        "resolution_code": st.sampled_from(["", "fixed", "workaround"]),
        "resolution_notes": st.sampled_from(["", "  ", "Restarted"]),
        "cancel_reason": st.sampled_from(["", "Duplicate"]),
        "comment": st.sampled_from(["", "Still broken"]),
    },
)


@pytest.mark.django_db
def test_incident_life_cycle_state_machine():
    agent = make_user("sm-agent", "agent")
    caller = make_user("sm-caller", "requester")
    group = SupportGroupFactory()
    group.members.add(agent)
    service = ServiceFactory(support_group=group, sla_policy=office_policy(always_on=True))
    start = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)

    class IncidentMachine(RuleBasedStateMachine):
        @initialize()
        def log(self):
            self.now = start
            self.incident = incident_create(
                actor=caller, data={"title": "x", "service": service}, now=self.now
            )
            self.reopens = 0

        @rule(
            name=st.sampled_from([t.name for t in INCIDENT_WORKFLOW.transitions]),
            as_caller=st.booleans(),
            data=DATA,
            hours=st.integers(0, 200),
        )
        def step(self, name, as_caller, data, hours):
            self.now += dt.timedelta(hours=hours)
            before = Incident.objects.get(pk=self.incident.pk)
            actor = caller if as_caller else agent
            allowed_source = before.state in INCIDENT_WORKFLOW.get(name).sources
            try:
                self.incident = incident_transition(
                    actor=actor,
                    incident=before.pk,
                    name=name,
                    expected_version=before.version,
                    data=data,
                    now=self.now,
                )
            except DomainError as err:
                refusal = err
                after = Incident.objects.get(pk=before.pk)
                assert (after.state, after.version) == (before.state, before.version)
                assert 400 <= refusal.status < 500
                assert refusal.code
            else:
                assert allowed_source, "accepted {n} from {s}".format(n=name, s=before.state)
                assert self.incident.state == INCIDENT_WORKFLOW.get(name).target
                assert self.incident.version == before.version + 1

        @invariant()
        def consistent(self):
            incident = Incident.objects.get(pk=self.incident.pk)
            assert incident.state in IncidentState.values
            assert incident.resolved_at is None or incident.resolved_at >= incident.opened_at
            assert incident.reopen_count >= self.reopens
            self.reopens = incident.reopen_count
            if incident.sla_state == "paused":
                assert incident.state == IncidentState.ON_HOLD
                assert incident.hold_reason == HoldReason.AWAITING_CALLER
            if incident.state == IncidentState.RESOLVED:
                assert incident.resolution_code
                assert incident.resolution_notes.strip()

    run_state_machine_as_test(
        IncidentMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
