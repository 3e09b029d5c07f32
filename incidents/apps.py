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

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        from catalog.models import SupportGroup
        from core.cache import generation_retired_by, row_cache_for
        from incidents.selectors import GROUP_MEMBERS

        # The members a group's notifications go to (incidents.selectors.group_recipients).
        user = get_user_model()
        row_cache_for(user)  # the caller and assignee on every incident page
        generation_retired_by(
            GROUP_MEMBERS, user, SupportGroup, through=(SupportGroup.members.through,)
        )
