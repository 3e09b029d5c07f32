"""The workflow engine and the three process tables, without a database."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from changes.workflow import CHANGE_WORKFLOW
from core.exceptions import TransitionRefused
from core.workflow import Transition, Workflow
from incidents.choices import IncidentState
from incidents.workflow import INCIDENT_WORKFLOW
from problems.workflow import PROBLEM_WORKFLOW

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


@dataclass
class Actor:
    perms: set[str] = field(default_factory=set)

    def has_perm(self, perm):
        return perm in self.perms


@dataclass
class Record:
    state: str
    resolved_at: datetime | None = None
    root_cause: str = ""
    workaround: str = ""
    change_type: str = "normal"


AGENT = Actor({"incidents.change_incident", "problems.change_problem", "changes.change_change"})
NOBODY = Actor()


class TestIncidentWorkflow:
    def test_available_lists_only_moves_from_the_current_state(self):
        names = {t.name for t in INCIDENT_WORKFLOW.available(Record("in_progress"), AGENT)}
        assert names == {"hold", "resolve", "cancel"}

    def test_available_is_empty_without_the_permission(self):
        assert INCIDENT_WORKFLOW.available(Record("new"), NOBODY) == []

    def test_check_refuses_invalid_source_state_with_409(self):
        with pytest.raises(TransitionRefused) as err:
            INCIDENT_WORKFLOW.check(Record("closed"), "reopen", AGENT, {"now": NOW})
        assert err.value.code == "invalid_source_state"
        assert err.value.status == 409

    def test_check_refuses_without_permission_with_403(self):
        with pytest.raises(TransitionRefused) as err:
            INCIDENT_WORKFLOW.check(Record("new"), "start", NOBODY)
        assert (err.value.code, err.value.status) == ("permission_denied", 403)

    @pytest.mark.parametrize(
        ("data", "rule"),
        [
            ({}, "resolution_code_required"),
            ({"resolution_code": "fixed"}, "resolution_notes_required"),
            ({"resolution_code": "fixed", "resolution_notes": "   "}, "resolution_notes_required"),
        ],
    )
    def test_resolve_names_the_missing_guard_field(self, data, rule):
        with pytest.raises(TransitionRefused) as err:
            INCIDENT_WORKFLOW.check(Record("in_progress"), "resolve", AGENT, data)
        assert err.value.code == rule
        assert err.value.status == 422
        assert err.value.field == rule.removesuffix("_required")

    def test_resolve_passes_with_its_fields(self):
        t = INCIDENT_WORKFLOW.check(
            Record("in_progress"),
            "resolve",
            AGENT,
            {"resolution_code": "fixed", "resolution_notes": "Restarted the pool."},
        )
        assert t.target == IncidentState.RESOLVED

    def test_hold_requires_a_reason(self):
        with pytest.raises(TransitionRefused) as err:
            INCIDENT_WORKFLOW.check(Record("in_progress"), "hold", AGENT, {})
        assert err.value.code == "hold_reason_required"

    def test_reopen_within_window_is_allowed(self):
        record = Record("resolved", resolved_at=NOW - timedelta(days=2))
        assert (
            INCIDENT_WORKFLOW.check(record, "reopen", AGENT, {"now": NOW}).target == "in_progress"
        )

    def test_reopen_after_window_is_refused(self):
        record = Record("resolved", resolved_at=NOW - timedelta(days=8))
        with pytest.raises(TransitionRefused) as err:
            INCIDENT_WORKFLOW.check(record, "reopen", AGENT, {"now": NOW})
        assert err.value.code == "reopen_window_expired"

    def test_closed_is_final(self):
        assert INCIDENT_WORKFLOW.available(Record("closed"), AGENT) == []

    def test_unknown_transition_is_404(self):
        with pytest.raises(TransitionRefused) as err:
            INCIDENT_WORKFLOW.check(Record("new"), "explode", AGENT)
        assert (err.value.code, err.value.status) == ("unknown_transition", 404)


class TestProblemWorkflow:
    def test_known_error_needs_root_cause_or_workaround(self):
        with pytest.raises(TransitionRefused) as err:
            PROBLEM_WORKFLOW.check(Record("root_cause_analysis"), "mark_known_error", AGENT, {})
        assert err.value.code == "root_cause_or_workaround_required"

    @pytest.mark.parametrize("field_name", ["root_cause", "workaround"])
    def test_known_error_with_either_field(self, field_name):
        record = Record("root_cause_analysis", **{field_name: "Disk full"})
        assert PROBLEM_WORKFLOW.check(record, "mark_known_error", AGENT).target == "known_error"

    def test_cancel_from_every_open_state(self):
        for state in ("new", "assessment", "root_cause_analysis", "known_error"):
            assert "cancel" in {t.name for t in PROBLEM_WORKFLOW.available(Record(state), AGENT)}
        assert "cancel" not in {
            t.name for t in PROBLEM_WORKFLOW.available(Record("resolved"), AGENT)
        }


class TestChangeWorkflow:
    def test_submit_needs_plans_and_a_valid_window(self):
        data = {
            "risk": "low",
            "implementation_plan": "Patch",
            "backout_plan": "Roll back",
            "test_plan": "Smoke test",
            "planned_start": NOW,
            "planned_end": NOW - timedelta(hours=1),
        }
        with pytest.raises(TransitionRefused) as err:
            CHANGE_WORKFLOW.check(Record("draft"), "submit", AGENT, data)
        assert err.value.code == "planned_window_invalid"
        data["planned_end"] = NOW + timedelta(hours=1)
        assert CHANGE_WORKFLOW.check(Record("draft"), "submit", AGENT, data).target == "assessment"

    def test_no_cancel_once_implementation_started(self):
        names = {t.name for t in CHANGE_WORKFLOW.available(Record("implementation"), AGENT)}
        assert "cancel" not in names


def test_workflow_refuses_duplicate_names():
    t = Transition("go", frozenset({"a"}), "b")
    with pytest.raises(ValueError, match="unique"):
        Workflow((t, t))
