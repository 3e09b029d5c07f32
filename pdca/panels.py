"""The PDCA panel on the incident page: the cycle the incident counts towards (editable by
managers) and triage to the strategic queue with a reason."""

from typing import Any

from django.db.models import Exists, OuterRef

from core.cache import choices_from_cache, row_cached
from incidents.panels import incident_related
from pdca.forms import RecordCycleForm, TriageForm
from pdca.models import Cycle, StrategicItem

# With the page's query of the incident: its link to a cycle (the cycle itself and its
# strategy from the row cache), and whether it waits in triage.
JOINS = ("pdca_cycle",)
FLAG = "has_open_strategic_item"


def open_item_flag() -> Exists:
    return Exists(StrategicItem.objects.filter(incident_id=OuterRef("pk"), decided_at__isnull=True))


def incident_pdca_panel(incident: Any, user: Any) -> tuple[str, dict[str, Any]] | None:
    can_triage = user.has_perm("pdca.add_strategicitem")
    can_view = user.has_perm("pdca.view_recordcycle")
    if not (can_triage or can_view):
        return None
    link = incident_related(incident, "pdca_cycle")
    if link is not None and (cycle := row_cached(Cycle, link.cycle_id)) is not None:
        link.cycle = cycle
    open_item = None
    if getattr(incident, FLAG, True):
        open_item = StrategicItem.objects.filter(incident=incident, decided_at__isnull=True).first()
    can_link = user.has_perm("pdca.change_recordcycle")
    cycle_form = None
    if can_link:
        cycle_form = RecordCycleForm(
            initial={"cycle": link.cycle_id if link and link.manual else None},
            auto_id="pdca-%s",
        )
        choices_from_cache(cycle_form, "pdca.RecordCycleForm")
    return (
        "pdca/partials/incident_panel.html",
        {
            "link": link,
            "open_item": open_item,
            "can_triage": can_triage and open_item is None,
            "can_view": can_view,
            "triage_form": TriageForm(auto_id="pdca-%s"),
            "cycle_form": cycle_form,
        },
    )
