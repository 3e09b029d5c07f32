"""The problem life cycle as data (DOMAIN §4)."""

from django.utils.translation import gettext_lazy as _

from core.workflow import Transition, Workflow, require, require_any
from problems.choices import ProblemState as S

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
            guards=(require("resolution_notes", _("Resolution notes")),),
            fields=("resolution_notes",),
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
