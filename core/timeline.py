"""One timeline for a record: public comments, work notes and field changes from its audit
history, oldest first. Shared by every process app's detail page."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # created, change, comment, work_note
    actor: Any
    body: str = ""
    changes: tuple[tuple[str, str, str], ...] = ()


def _label(obj: Any) -> str:
    if isinstance(obj, get_user_model()):
        return obj.get_full_name() or obj.get_username()
    return str(obj)


def _display(field: models.Field, value: Any, names: dict[str, dict[Any, str]]) -> str:
    if value in (None, ""):
        return "—"
    if field.name in names:
        return names[field.name].get(value, str(value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


def timeline_build(
    *,
    model: type[models.Model],
    field_names: Sequence[str],
    history: Sequence[Any],
    comments: Iterable[Any],
) -> list[TimelineEntry]:
    """Merge audit rows (oldest first) and comments into one list.

    Foreign keys that change in the history are named with one query per related model.
    """
    fields = {f.name: f for f in model._meta.get_fields() if f.name in field_names}
    raw: list[tuple[Any, list[tuple[models.Field, Any, Any]]]] = []
    named: dict[str, set[Any]] = {}
    previous = None
    for row in history:
        changed = []
        if previous is not None:
            for f in fields.values():
                if (old := getattr(previous, f.attname)) != (new := getattr(row, f.attname)):
                    changed.append((f, old, new))
                    if f.is_relation and f.many_to_one:
                        named.setdefault(f.name, set()).update({old, new} - {None})
        raw.append((row, changed))
        previous = row
    names: dict[str, dict[Any, str]] = {
        name: {
            obj.pk: _label(obj)
            for obj in fields[name].related_model._default_manager.filter(pk__in=ids)
        }
        for name, ids in named.items()
    }
    entries: list[TimelineEntry] = []
    for index, (row, changed) in enumerate(raw):
        if index == 0:
            entries.append(TimelineEntry(row.history_date, "created", row.history_user))
        elif changed:
            changes = tuple(
                (str(f.verbose_name), _display(f, old, names), _display(f, new, names))
                for f, old, new in changed
            )
            entries.append(
                TimelineEntry(row.history_date, "change", row.history_user, changes=changes)
            )
    entries.extend(TimelineEntry(c.created_at, c.kind, c.author, body=c.body) for c in comments)
    entries.sort(key=lambda e: e.at)
    return entries
