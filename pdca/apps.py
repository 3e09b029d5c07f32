from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_VIEW = [
    "pdca.view_strategy",
    "pdca.view_cycle",
    "pdca.view_goal",
    "pdca.view_review",
    "pdca.view_improvementaction",
    "pdca.view_strategicitem",
    "pdca.view_recordcycle",
]
_MANAGE = [
    *_VIEW,
    "pdca.add_strategy",
    "pdca.change_strategy",
    "pdca.add_cycle",
    "pdca.change_cycle",
    "pdca.add_goal",
    "pdca.change_goal",
    "pdca.add_review",
    "pdca.add_improvementaction",
    "pdca.change_improvementaction",
    "pdca.add_strategicitem",
    "pdca.change_strategicitem",
    "pdca.change_recordcycle",
]


class PdcaConfig(AppConfig):
    name = "pdca"
    verbose_name = _("Continual improvement (PDCA)")
    # Agents may raise a record to the strategic queue (with a reason); managers decide.
    role_permissions = {
        "agent": ["pdca.add_strategicitem"],
        "manager": _MANAGE,
        "administrator": _MANAGE,
    }

    def ready(self) -> None:
        from core.cache import choices_cache_for, row_cache_for
        from incidents.panels import incident_panel_register
        from pdca.models import Cycle, Strategy
        from pdca.panels import FLAG, JOINS, incident_pdca_panel, open_item_flag

        incident_panel_register(incident_pdca_panel, joins=JOINS, flags={FLAG: open_item_flag})
        choices_cache_for(Cycle, Strategy)  # the cycle select on every incident page
        row_cache_for(Cycle, with_related=("strategy",))  # the cycle it counts towards
