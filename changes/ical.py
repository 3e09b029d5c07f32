"""The iCalendar (RFC 5545) feed of change windows, built with the icalendar library."""

from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from icalendar import Calendar, Event


def changes_ical(changes: Iterable[Any], *, request: Any) -> bytes:
    """A VCALENDAR with one VEVENT per change window."""
    host = request.get_host().split(":")[0]
    cal = Calendar()
    cal.add("prodid", "-//ITSM service desk//changes//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Changes")
    now = timezone.now()
    for change in changes:
        event = Event()
        event.add("uid", "{number}@{host}".format(number=change.number, host=host))
        event.add("dtstamp", now)
        event.add("dtstart", change.planned_start)
        event.add("dtend", change.planned_end)
        event.add("summary", "{n} {t}".format(n=change.number, t=change.title))
        event.add(
            "description",
            "{service} · {kind} · {risk} · {state}".format(
                service=change.service.name,
                kind=change.get_change_type_display(),
                risk=change.get_risk_display() or "—",
                state=change.get_state_display(),
            ),
        )
        event.add("url", request.build_absolute_uri(change.get_absolute_url()))
        event.add(
            "status",
            "CONFIRMED" if change.state in ("scheduled", "implementation") else "TENTATIVE",
        )
        cal.add_component(event)
    return cal.to_ical()
