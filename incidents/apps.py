from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_STAFF = [
    "incidents.view_incident",
    "incidents.add_incident",
    "incidents.change_incident",
    "incidents.view_incidentcomment",
]


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incident management")
    role_permissions = {
        "requester": ["incidents.add_incident"],
        "agent": _STAFF,
        "change_approver": _STAFF,
        "manager": [*_STAFF, "incidents.override_priority"],
        "administrator": [*_STAFF, "incidents.override_priority"],
    }
