"""Domain events for integrations: written to the outbox with the change that caused them, so
a subscriber is told about every committed change and nothing that rolled back."""

from typing import Any

from core.outbox import outbox_enqueue

FAN_OUT_TASK = "integrations.fan_out"


def event_emit(event: str, record: Any, **extra: Any) -> None:
    """Queue `event` (e.g. "incident.resolved") with a small, stable payload of the record."""
    payload = {
        "number": getattr(record, "number", None),
        "id": record.pk,
        "title": getattr(record, "title", None) or getattr(record, "name", ""),
        "state": getattr(record, "state", None),
        "version": getattr(record, "version", None),
        "url": record.get_absolute_url() if hasattr(record, "get_absolute_url") else None,
        **extra,
    }
    outbox_enqueue(FAN_OUT_TASK, {"event": event, "payload": payload})
