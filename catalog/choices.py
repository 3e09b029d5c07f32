from django.db import models
from django.utils.translation import gettext_lazy as _


class Criticality(models.IntegerChoices):
    CRITICAL = 1, _("1 – Critical")
    HIGH = 2, _("2 – High")
    MEDIUM = 3, _("3 – Medium")
    LOW = 4, _("4 – Low")


class Lifecycle(models.TextChoices):
    PIPELINE = "pipeline", _("Pipeline")
    LIVE = "live", _("Live")
    RETIRED = "retired", _("Retired")


class CiKind(models.TextChoices):
    SERVER = "server", _("Server")
    APPLICATION = "application", _("Application")
    DATABASE = "database", _("Database")
    NETWORK = "network", _("Network")
    OTHER = "other", _("Other")


class Role(models.TextChoices):
    """The desk's roles (DOMAIN §1), each a Django group of the same name."""

    REQUESTER = "requester", _("Requester")
    AGENT = "agent", _("Agent")
    MANAGER = "manager", _("Manager")
    CHANGE_APPROVER = "change_approver", _("Change approver")
    ADMINISTRATOR = "administrator", _("Administrator")
