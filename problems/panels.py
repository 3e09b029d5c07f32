"""The problem panel on the incident page: its problem, or create / link one, and the known
errors of its service with their workarounds."""

from typing import Any

from problems.models import ProblemIncident
from problems.selectors import known_error_list


def incident_problem_panel(incident: Any, user: Any) -> tuple[str, dict[str, Any]] | None:
    if not user.has_perm("problems.view_problem"):
        return None
    link = ProblemIncident.objects.select_related("problem").filter(incident=incident).first()
    return (
        "problems/partials/incident_panel.html",
        {
            "problem_link": link,
            "known_errors": list(known_error_list(service_id=incident.service_id)[:5]),
            "can_change": user.has_perm("problems.change_problem"),
        },
    )
