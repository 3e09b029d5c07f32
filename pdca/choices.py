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
