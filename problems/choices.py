from django.db import models
from django.utils.translation import gettext_lazy as _


class ProblemState(models.TextChoices):
    NEW = "new", _("New")
    ASSESSMENT = "assessment", _("Assessment")
    ROOT_CAUSE_ANALYSIS = "root_cause_analysis", _("Root cause analysis")
    KNOWN_ERROR = "known_error", _("Known error")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class RcaMethod(models.TextChoices):
    FIVE_WHYS = "five_whys", _("5 whys")
    ISHIKAWA = "ishikawa", _("Ishikawa")
    FAULT_TREE = "fault_tree", _("Fault tree")


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    DISMISSED = "dismissed", _("Dismissed")
