from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_VIEW = ["changes.view_change", "changes.view_changetemplate", "changes.view_freezewindow"]
_WORK = [*_VIEW, "changes.add_change", "changes.change_change"]
_MANAGE = [
    *_WORK,
    "changes.approve_change",
    "changes.add_changetemplate",
    "changes.change_changetemplate",
    "changes.add_freezewindow",
    "changes.change_freezewindow",
]


class ChangesConfig(AppConfig):
    name = "changes"
    verbose_name = _("Change enablement")
    role_permissions = {
        "agent": _WORK,
        "change_approver": [*_VIEW, "changes.approve_change"],
        "manager": _MANAGE,
        "administrator": _MANAGE,
    }

    def ready(self) -> None:
        from changes.panels import JOINS, incident_change_panel
        from incidents.panels import incident_panel_register

        incident_panel_register(incident_change_panel, joins=JOINS)
