"""The change panel on the incident page: the change that caused the incident, or a form to
mark one."""

from typing import Any

from incidents.panels import incident_related

# With the page's query of the incident: its link to the change that caused it (the change
# is read only when there is one).
JOINS = ("caused_by_change_link",)


def incident_change_panel(incident: Any, user: Any) -> tuple[str, dict[str, Any]] | None:
    if not user.has_perm("changes.view_change"):
        return None
    link = incident_related(incident, "caused_by_change_link")
    return (
        "changes/partials/incident_panel.html",
        {
            "caused_by": link.change if link else None,
            "can_change": user.has_perm("changes.change_change"),
        },
    )
