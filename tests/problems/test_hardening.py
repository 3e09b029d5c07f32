"""Regressions from review on problem management."""

import pytest

from core.exceptions import DomainError, PermissionDenied
from incidents.services import incident_create, incident_transition
from problems.services import (
    known_error_apply_workaround,
    problem_create,
    problem_transition,
    problem_update,
)
from tests.factories import ServiceFactory, SupportGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def known_error(agent):
    group = SupportGroupFactory(name="Desk")
    group.members.add(agent)
    service = ServiceFactory(name="Mail", support_group=group)
    problem = problem_create(actor=agent, data={"title": "Quota", "service": service})
    for name, data in (("assess", {}), ("mark_known_error", {"workaround": "Archive"})):
        problem = problem_transition(
            actor=agent, problem=problem.pk, name=name, expected_version=None, data=data
        )
    return problem


def test_only_problem_staff_apply_workarounds_and_only_to_open_incidents(
    agent, approver, known_error
):
    incident = incident_create(actor=agent, data={"title": "Full", "service": known_error.service})
    with pytest.raises(PermissionDenied):
        known_error_apply_workaround(
            actor=approver, problem=known_error.number, incident=incident.number
        )
    incident_transition(
        actor=agent, incident=incident.pk, name="resolve", expected_version=None,
        data={"resolution_code": "fixed", "resolution_notes": "ok"},
    )  # fmt: skip
    with pytest.raises(DomainError) as err:
        known_error_apply_workaround(
            actor=agent, problem=known_error.number, incident=incident.number
        )
    assert err.value.code == "incident_not_open"


def test_a_known_error_keeps_a_root_cause_or_workaround(agent, known_error):
    with pytest.raises(DomainError) as err:
        problem_update(
            actor=agent, problem=known_error.pk, expected_version=None, data={"workaround": ""}
        )
    assert err.value.code == "root_cause_or_workaround_required"


def test_hostile_ids_are_answers_not_errors(client, api_client, manager, requester):
    client.force_login(requester)
    huge = "9" * 30
    assert client.get("/problems/known-errors/hint/?service=" + huge).status_code == 200
    staff = api_client(manager)
    assert staff.get("/api/v1/known-errors/?service=" + huge).status_code == 400
    assert staff.post("/api/v1/suggested-problems/abc/accept/").status_code == 404
    client.force_login(manager)
    assert client.get("/problems/known-errors/?service=" + huge).status_code == 200
    assert client.post("/problems/suggestions/1/acept/").status_code == 404
