from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_VIEW = ["pdca.view_strategy", "pdca.view_cycle", "pdca.view_goal", "pdca.view_review"]
_MANAGE = [
    *_VIEW,
    "pdca.add_strategy",
    "pdca.change_strategy",
    "pdca.add_cycle",
    "pdca.change_cycle",
    "pdca.add_goal",
    "pdca.change_goal",
    "pdca.add_review",
]


class PdcaConfig(AppConfig):
    name = "pdca"
    verbose_name = _("Continual improvement (PDCA)")
    role_permissions = {"manager": _MANAGE, "administrator": _MANAGE}
