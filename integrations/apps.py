from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Who registers integrations, issues their tokens and sets their label mapping rules.
_MANAGE = [
    "integrations.view_integration",
    "integrations.add_integration",
    "integrations.change_integration",
]


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrations")
    role_permissions = {
        "manager": _MANAGE,
        "administrator": _MANAGE,
    }
