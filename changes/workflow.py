"""The change life cycle as data (DOMAIN §5). Approval and conflict guards arrive with
the change records; the plan and window guards are here already."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from changes.choices import ChangeState as S
from core.exceptions import TransitionRefused
from core.workflow import Transition, Workflow, require

PERM = "changes.change_change"


def window_valid(record: Any, actor: Any, data: Mapping[str, Any]) -> None:
    """Guard: a planned window whose start is before its end."""
    start = data.get("planned_start", getattr(record, "planned_start", None))
    end = data.get("planned_end", getattr(record, "planned_end", None))
    if start is None or end is None or start >= end:
        raise TransitionRefused(
            "planned_window_invalid",
            _("A planned window with a start before its end is required."),
            field="planned_end",
            status=422,
        )


CHANGE_WORKFLOW = Workflow(
    (
        Transition(
            "submit",
            frozenset({S.DRAFT}),
            S.ASSESSMENT,
            _("Submit for assessment"),
            PERM,
            guards=(
                require("risk", _("Risk")),
                require("implementation_plan", _("An implementation plan")),
                require("backout_plan", _("A backout plan")),
                require("test_plan", _("A test plan")),
                window_valid,
            ),
        ),
        Transition(
            "request_approval",
            frozenset({S.ASSESSMENT}),
            S.AUTHORISATION,
            _("Request approval"),
            PERM,
        ),
        Transition("schedule", frozenset({S.AUTHORISATION}), S.SCHEDULED, _("Schedule"), PERM),
        Transition(
            "implement", frozenset({S.SCHEDULED}), S.IMPLEMENTATION, _("Start implementation"), PERM
        ),
        Transition(
            "review",
            frozenset({S.IMPLEMENTATION}),
            S.REVIEW,
            _("Record outcome"),
            PERM,
            guards=(require("outcome", _("The outcome")),),
            fields=("outcome",),
        ),
        Transition("close", frozenset({S.REVIEW}), S.CLOSED, _("Close"), PERM),
        Transition(
            "cancel",
            frozenset({S.DRAFT, S.ASSESSMENT, S.AUTHORISATION, S.SCHEDULED}),
            S.CANCELLED,
            _("Cancel"),
            PERM,
            guards=(require("cancel_reason", _("A reason for cancelling")),),
            fields=("cancel_reason",),
        ),
    )
)
