from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_VIEW = ["problems.view_problem", "problems.view_suggestedproblem"]
_WORK = [*_VIEW, "problems.add_problem", "problems.change_problem"]
_DECIDE = [*_WORK, "problems.change_suggestedproblem"]  # the problem manager's call


class ProblemsConfig(AppConfig):
    name = "problems"
    verbose_name = _("Problem management")
    role_permissions = {
        "agent": _WORK,
        "change_approver": _VIEW,
        "manager": _DECIDE,
        "administrator": _DECIDE,
    }

    def ready(self) -> None:
        from core.cache import generation_retired_by
        from incidents.importer import incident_import_link_register
        from incidents.panels import incident_form_hint_register, incident_panel_register
        from problems.importer import problem_links_import
        from problems.models import Problem
        from problems.panels import GENERATION, JOINS, incident_problem_panel

        # Problems contribute to the incident pages (the lower app cannot import us): a panel
        # on the detail page, and known-error hints on the forms as the service is chosen.
        incident_panel_register(incident_problem_panel, joins=JOINS)
        generation_retired_by(GENERATION, Problem)  # the panel's cached known errors
        incident_form_hint_register("problems:known_error_hint")
        incident_import_link_register(problem_links_import)
