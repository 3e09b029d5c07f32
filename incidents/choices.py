from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentState(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class HoldReason(models.TextChoices):
    AWAITING_CALLER = "awaiting_caller", _("Awaiting caller")
    AWAITING_CHANGE = "awaiting_change", _("Awaiting change")
    AWAITING_VENDOR = "awaiting_vendor", _("Awaiting vendor")


class Impact(models.IntegerChoices):
    HIGH = 1, _("1 – High")
    MEDIUM = 2, _("2 – Medium")
    LOW = 3, _("3 – Low")


class Urgency(models.IntegerChoices):
    HIGH = 1, _("1 – High")
    MEDIUM = 2, _("2 – Medium")
    LOW = 3, _("3 – Low")


class Priority(models.IntegerChoices):
    CRITICAL = 1, _("P1 – Critical")
    HIGH = 2, _("P2 – High")
    MODERATE = 3, _("P3 – Moderate")
    LOW = 4, _("P4 – Low")
    PLANNING = 5, _("P5 – Planning")


def priority_for(impact: int, urgency: int) -> int:
    """The ITIL matrix (DOMAIN §3): P = impact + urgency − 1."""
    if impact not in Impact.values or urgency not in Urgency.values:
        raise ValueError("impact and urgency must be 1, 2 or 3")
    return impact + urgency - 1


class ResolutionCode(models.TextChoices):
    FIXED = "fixed", _("Solved (permanently)")
    WORKAROUND = "workaround", _("Solved (workaround)")
    NOT_REPRODUCIBLE = "not_reproducible", _("Not solved (not reproducible)")
    DUPLICATE = "duplicate", _("Duplicate")
    USER_ERROR = "user_error", _("User error / how-to")
    BY_CALLER = "by_caller", _("Resolved by caller")
    OTHER = "other", _("Other")


class ContactChannel(models.TextChoices):
    PORTAL = "portal", _("Self-service portal")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    WALK_IN = "walk_in", _("Walk-in")
    MONITORING = "monitoring", _("Monitoring")
    API = "api", _("API")
