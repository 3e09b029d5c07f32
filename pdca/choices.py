from django.db import models
from django.utils.translation import gettext_lazy as _

from core.choices import Scope

__all__ = ["Phase", "Scope"]


class Phase(models.TextChoices):
    PLAN = "plan", _("Plan")
    DO = "do", _("Do")
    ACT = "act", _("Act")
