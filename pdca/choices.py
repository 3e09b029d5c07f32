from django.db import models
from django.utils.translation import gettext_lazy as _

from core.choices import Scope

__all__ = ["Phase", "Scope"]


class Phase(models.TextChoices):
    PLAN = "plan", _("Plan")
    DO = "do", _("Do")
    ACT = "act", _("Act")


class Direction(models.TextChoices):
    AT_MOST = "at_most", _("At most (lower is better)")
    AT_LEAST = "at_least", _("At least (higher is better)")


class GoalStatus(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    NO_DATA = "no_data", _("No data")


class Trend(models.TextChoices):
    BETTER = "better", _("Better")
    SAME = "same", _("Same")
    WORSE = "worse", _("Worse")
    NONE = "none", _("First review")


class ActionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_ACTION_STATUSES = (ActionStatus.PROPOSED, ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)


class Verdict(models.TextChoices):
    IMPROVED = "improved", _("Improved")
    NO_CHANGE = "no_change", _("No measurable change")
    WORSE = "worse", _("Worse")
    TOO_LITTLE_DATA = "too_little_data", _("Too little data")


class StrategicKind(models.TextChoices):
    RECORD = "record", _("Record triaged strategic")
    GOAL = "goal", _("Goal off track twice")
    RECURRING = "recurring", _("Recurring after its problem was resolved")


class Decision(models.TextChoices):
    REVISE_GOAL = "revise_goal", _("Revise the goal")
    NEW_ACTION = "new_action", _("New improvement action")
    ACCEPT_RISK = "accept_risk", _("Accept the risk")


class RecordKind(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    PROBLEM = "problem", _("Problem")
    CHANGE = "change", _("Change")
