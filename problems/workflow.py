"""The problem life cycle as data (DOMAIN §4)."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from core.exceptions import TransitionRefused
from core.workflow import Transition, Workflow, require, require_any
from problems.choices import ProblemState as S


def has_fix(record: Any, actor: Any, data: Mapping[str, Any]) -> None:
    """Guard (DOMAIN §4): resolved needs a fix — a linked change, or a stated reason why none."""
    reason = data.get("no_change_reason", getattr(record, "no_change_reason", ""))
    if not data.get("has_fix_change") and not (reason or "").strip():
        raise TransitionRefused(
            "fix_required",
            _("Link the change that fixes it, or say why no change is needed."),
            field="no_change_reason",
            status=422,
        )


OPEN = frozenset({S.NEW, S.ASSESSMENT, S.ROOT_CAUSE_ANALYSIS, S.KNOWN_ERROR})
PERM = "problems.change_problem"

PROBLEM_WORKFLOW = Workflow(
    (
        Transition("assess", frozenset({S.NEW}), S.ASSESSMENT, _("Assess"), PERM),
        Transition("analyse", frozenset({S.ASSESSMENT}), S.ROOT_CAUSE_ANALYSIS, _("Analyse"), PERM),
        Transition(
            "mark_known_error",
            frozenset({S.ASSESSMENT, S.ROOT_CAUSE_ANALYSIS}),
            S.KNOWN_ERROR,
            _("Mark as known error"),
            PERM,
            guards=(
                require_any(
                    ("root_cause", "workaround"),
                    "root_cause_or_workaround_required",
                    _("A known error needs a root cause or a workaround."),
                ),
            ),
            fields=("root_cause", "workaround"),
        ),
        Transition(
            "resolve",
            frozenset({S.ROOT_CAUSE_ANALYSIS, S.KNOWN_ERROR}),
            S.RESOLVED,
            _("Resolve"),
            PERM,
            guards=(require("resolution_notes", _("Resolution notes")), has_fix),
            fields=("resolution_notes", "no_change_reason"),
        ),
        Transition("close", frozenset({S.RESOLVED}), S.CLOSED, _("Close"), PERM),
        Transition(
            "cancel",
            OPEN,
            S.CANCELLED,
            _("Cancel"),
            PERM,
            guards=(require("cancel_reason", _("A reason for cancelling")),),
            fields=("cancel_reason",),
        ),
    )
)
