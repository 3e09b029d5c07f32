from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """Every record is operational unless triaged strategic (DOMAIN §6)."""

    OPERATIONAL = "operational", _("Operational")
    STRATEGIC = "strategic", _("Strategic")
