from django.db import models
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    RESPONSE = "response", _("Response")
    RESOLUTION = "resolution", _("Resolution")


class NotificationKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    BREACH = "breach", _("Breach")


class SlaState(models.TextChoices):
    NONE = "none", _("No SLA")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    WARNING = "warning", _("At risk")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")
    BREACHED_MET = "breached_met", _("Completed late")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")
