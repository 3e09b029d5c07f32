"""The problem panel on the incident page: its problem, or create / link one, and the known
errors of its service with their workarounds."""

from typing import Any

from django.template.defaultfilters import truncatechars

from core.cache import generation, local_get_or_set
from core.markdown import markdown_render
from incidents.panels import incident_related
from problems.selectors import known_error_list

# With the page's query of the incident: its link to a problem (the problem itself is read
# only when there is one; most incidents have none, and a join costs every page).
JOINS = ("problem_link",)
GENERATION = "problems"  # bumped by any save or delete of a problem (problems.apps)


def incident_problem_panel(incident: Any, user: Any) -> tuple[str, dict[str, Any]] | None:
    if not user.has_perm("problems.view_problem"):
        return None
    link = incident_related(incident, "problem_link")
    return (
        "problems/partials/incident_panel.html",
        {
            "problem": link.problem if link else None,
            "known_errors": known_errors_shown(incident.service_id),
            "can_change": user.has_perm("problems.change_problem"),
        },
    )


def known_errors_shown(service_id: int | None) -> list[dict[str, Any]]:
    """The service's first five known errors as the panel shows them (workaround rendered),
    kept until a problem changes (local_get_or_set): every incident page of the service shows the
    same."""
    return local_get_or_set(
        "known-errors:{gen}:{service}".format(gen=generation(GENERATION), service=service_id),
        lambda: [
            {
                "number": problem.number,
                "title": problem.title,
                "url": problem.get_absolute_url(),
                "workaround": markdown_render(
                    truncatechars(problem.workaround or problem.root_cause, 200)
                ),
            }
            for problem in known_error_list(service_id=service_id)[:5]
        ],
    )
