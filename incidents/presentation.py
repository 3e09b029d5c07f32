"""Read-side helpers for pages and the API: SLA figures right now, and the merged timeline."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.timezone import get_current_timezone_name, localtime
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.cache import local_get_many, local_set
from core.templatetags.core_tags import duration
from core.timeline import TimelineEntry, timeline_build
from incidents.choices import IncidentState, Priority
from incidents.clock import elapsed_now
from incidents.models import Incident
from incidents.selectors import incident_queue_rows
from sla.models import SlaPolicy

TIMELINE_FIELDS = (
    "state", "hold_reason", "priority", "impact", "urgency", "assignment_group", "assignee",
    "service", "title", "resolution_code", "resolution_notes", "cancel_reason", "is_major",
    "priority_override_reason", "category", "subcategory", "pdca_scope",
)  # fmt: skip


@dataclass(frozen=True)
class SlaView:
    state: str
    due_at: datetime | None
    percent: int | None
    remaining: timedelta | None


_calendars: dict[tuple[int, datetime], Any] = {}


def _calendar(policy: SlaPolicy) -> Any:
    """The policy's calendar, built once per version of the policy (it is immutable)."""
    key = (policy.pk, policy.updated_at)
    if key not in _calendars:
        if len(_calendars) > 256:
            _calendars.clear()
        _calendars[key] = policy.calendar
    return _calendars[key]


def sla_view(incident: Incident, now: datetime | None = None) -> SlaView:
    """The resolution clock as of now, from the stored figures (no queries)."""
    now = now or timezone.now()
    target = incident.resolution_target_seconds
    if not target or incident.sla_policy is None:
        return SlaView(incident.sla_state, None, None, None)
    elapsed = float(incident.resolution_elapsed_seconds)
    if incident.sla_state in ("running", "warning", "breached") and incident.sla_refreshed_at:
        elapsed = elapsed_now(
            _calendar(incident.sla_policy),
            incident.resolution_elapsed_seconds,
            incident.sla_refreshed_at,
            now,
        )
    state = incident.sla_state
    if state in ("running", "warning") and elapsed >= target:
        state = "breached"
    elif state == "running" and elapsed >= target * 0.75:
        state = "warning"
    return SlaView(
        state=state,
        due_at=incident.resolution_due_at,
        percent=int(100 * elapsed / target),
        remaining=timedelta(seconds=int(target - elapsed)),
    )


def incident_timeline(incident: Incident, history: list[Any]) -> list[TimelineEntry]:
    """Comments, work notes and field changes of an incident in one list, oldest first."""
    return timeline_build(
        model=Incident,
        field_names=TIMELINE_FIELDS,
        history=history,
        comments=incident.comments.all(),
    )


def sla_html(sla: SlaView) -> str:
    """The SLA badge: a bar, the time left (or over) and the % elapsed; safe HTML."""
    if sla.percent is None:
        return format_html('<span class="sla sla-none">{}</span>', _("No SLA"))
    if sla.state == "paused":
        text = _("Paused")
    elif sla.state == "met":
        text = _("Met")
    elif sla.state == "breached_met":
        text = _("Late")
    elif sla.state == "breached":
        text = _("%(t)s over") % {"t": duration(sla.remaining, "abs")}
    else:
        text = _("%(t)s left") % {"t": duration(sla.remaining)}
    title = (
        "{due} {at}".format(due=_("Due"), at=localtime(sla.due_at).strftime("%Y-%m-%d %H:%M"))
        if sla.due_at
        else ""
    )
    return format_html(
        '<span class="sla sla-{}" title="{}"><span class="sla-bar" aria-hidden="true">'
        '<span style="width: {}%"></span></span> {} <span class="muted">({} %)</span></span>',
        sla.state,
        title,
        min(sla.percent, 100),
        text,
        sla.percent,
    )


def queue_rows_html(incidents: Iterable[Incident], now: datetime) -> list[str]:
    """The queue table's rows as safe HTML, built in Python: a template include per row
    cost most of the page's time (bench/README.md has the figures)."""
    url = reverse("incidents:incident_detail", args=["INC0000000"])[: -len("INC0000000/")]
    major = format_html(' <span class="badge crit-1">{}</span>', _("Major"))
    # Model.get_FOO_display() hashes every lazy label on each call: translate once here.
    priorities = {value: str(label) for value, label in Priority.choices}
    states = {value: str(label) for value, label in IncidentState.choices}
    select = _("Select %(n)s")
    rows = []
    for incident in incidents:
        if incident.assignee_id:
            assignee = incident.assignee
            who = escape(assignee.get_full_name() or assignee.username)
        else:
            group = incident.assignment_group.name if incident.assignment_group_id else "—"
            who = format_html('<span class="muted">{}</span>', group)
        rows.append(
            format_html(
                '<tr><td><input type="checkbox" name="incidents" value="{n}" aria-label="{sel}">'
                '<input type="hidden" name="v-{n}" value="{v}"></td><td><a href="{url}{n}/">{n}</a>{major}</td><td>{title}</td>'
                '<td><span class="badge prio-{p}">{pd}</span></td>'
                '<td><span class="badge state-{s}">{sd}</span></td><td>{service}</td>'
                "<td>{who}</td><td>{sla}</td><td>{opened}</td></tr>",
                n=incident.number,
                v=incident.version,
                sel=select % {"n": incident.number},
                url=url,
                major=major if incident.is_major else "",
                title=incident.title,
                p=incident.priority,
                pd=priorities.get(incident.priority, incident.priority),
                s=incident.state,
                sd=states.get(incident.state, incident.state),
                service=incident.service.name,
                who=who,
                sla=sla_html(sla_view(incident, now)),
                opened=localtime(incident.opened_at).strftime("%Y-%m-%d %H:%M"),
            )
        )
    return rows


def queue_rows_cached(page: QuerySet[Incident], now: datetime) -> list[str]:
    """The page's rows, each rendered once per minute and version of its incident.

    One query reads the page's ids and versions; the rows come from the process's memory
    (local_set); only the rows missing there are read in full and rendered
    (queue_rows_html). A row's key holds the incident's version (any edit shows on the
    next request), the language and time zone, and the minute: the SLA badge counts
    minutes, so it is at most a minute behind as any badge rendered a minute ago, and so
    are renamed services, groups and people.
    """
    versions = list(page.values_list("pk", "version"))
    if not versions:
        return []
    prefix = "qrow:{lang}:{tz}:{minute}".format(
        lang=get_language(),
        tz=get_current_timezone_name(),
        minute=int(now.timestamp()) // 60,
    )
    keys = {pk: "{p}:{pk}:{v}".format(p=prefix, pk=pk, v=version) for pk, version in versions}
    found = local_get_many(keys.values())
    missing = [pk for pk, key in keys.items() if key not in found]
    if missing:
        incidents = list(incident_queue_rows(pks=missing))
        fresh = dict(zip((i.pk for i in incidents), queue_rows_html(incidents, now), strict=True))
        # Read a moment later than the ids: a row whose version moved on meanwhile is shown
        # as it is now, and cached under its new version only.
        for i in incidents:
            local_set("{p}:{pk}:{v}".format(p=prefix, pk=i.pk, v=i.version), fresh[i.pk])
        found.update({keys[pk]: fresh[pk] for pk in fresh})
    return [found[keys[pk]] for pk, _v in versions if keys[pk] in found]  # SafeStrings
