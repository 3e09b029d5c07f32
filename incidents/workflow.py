"""The incident life cycle as data (DOMAIN §3, itil.md §B1)."""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext_lazy as _

from core.exceptions import TransitionRefused
from core.workflow import Transition, Workflow, require
from incidents.choices import IncidentState as S
from incidents.constants import REOPEN_WINDOW_DAYS

OPEN = frozenset({S.NEW, S.IN_PROGRESS, S.ON_HOLD})


def within_reopen_window(record: Any, actor: Any, data: Mapping[str, Any]) -> None:
    """Guard: a resolved incident reopens only within the window after its resolution."""
    now: datetime = data["now"]
    window = timedelta(days=data.get("reopen_window_days", REOPEN_WINDOW_DAYS))
    if record.resolved_at is None or now - record.resolved_at > window:
        raise TransitionRefused(
            "reopen_window_expired",
            _("The reopen window has passed; log a new incident instead."),
            status=409,
        )


def actor_is_caller(record: Any, actor: Any, data: Mapping[str, Any]) -> None:
    """Guard: only the caller confirms or rejects a resolution."""
    if record.caller_id != actor.pk:
        raise TransitionRefused(
            "caller_only", _("Only the caller can confirm or reject the resolution."), status=403
        )


START = Transition(
    "start", frozenset({S.NEW}), S.IN_PROGRESS, _("Start work"), "incidents.change_incident"
)
HOLD = Transition(
    "hold",
    frozenset({S.IN_PROGRESS}),
    S.ON_HOLD,
    _("Put on hold"),
    "incidents.change_incident",
    guards=(require("hold_reason", _("A reason for the hold")),),
    fields=("hold_reason",),
)
RESUME = Transition(
    "resume", frozenset({S.ON_HOLD}), S.IN_PROGRESS, _("Resume"), "incidents.change_incident"
)
RESOLVE = Transition(
    "resolve",
    frozenset({S.NEW, S.IN_PROGRESS}),
    S.RESOLVED,
    _("Resolve"),
    "incidents.change_incident",
    guards=(
        require("resolution_code", _("A resolution code")),
        require("resolution_notes", _("Resolution notes")),
    ),
    fields=("resolution_code", "resolution_notes"),
)
REOPEN = Transition(
    "reopen",
    frozenset({S.RESOLVED}),
    S.IN_PROGRESS,
    _("Reopen"),
    "incidents.change_incident",
    guards=(within_reopen_window,),
)
CLOSE = Transition(
    "close", frozenset({S.RESOLVED}), S.CLOSED, _("Close"), "incidents.change_incident"
)
CANCEL = Transition(
    "cancel",
    frozenset({S.NEW, S.IN_PROGRESS}),
    S.CANCELLED,
    _("Cancel"),
    "incidents.change_incident",
    guards=(require("cancel_reason", _("A reason for cancelling")),),
    fields=("cancel_reason",),
)

CONFIRM = Transition(
    "confirm", frozenset({S.RESOLVED}), S.CLOSED, _("Confirm resolution"), guards=(actor_is_caller,)
)
REJECT = Transition(
    "reject",
    frozenset({S.RESOLVED}),
    S.IN_PROGRESS,
    _("Not solved – reopen"),
    guards=(
        actor_is_caller,
        within_reopen_window,
        require("comment", _("A comment saying what is still wrong")),
    ),
    fields=("comment",),
)

INCIDENT_WORKFLOW = Workflow((START, HOLD, RESUME, RESOLVE, REOPEN, CLOSE, CANCEL, CONFIRM, REJECT))
STAFF_TRANSITIONS = ("start", "hold", "resume", "resolve", "reopen", "close", "cancel")
CALLER_TRANSITIONS = ("confirm", "reject")
