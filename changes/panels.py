"""The change panel on the incident page: the change that caused the incident, or a form to
mark one."""

from typing import Any

from changes.models import ChangeCausedIncident


def incident_change_panel(incident: Any, user: Any) -> tuple[str, dict[str, Any]] | None:
    if not user.has_perm("changes.view_change"):
        return None
    link = ChangeCausedIncident.objects.select_related("change").filter(incident=incident).first()
    return (
        "changes/partials/incident_panel.html",
        {
            "caused_by": link.change if link else None,
            "can_change": user.has_perm("changes.change_change"),
        },
    )
