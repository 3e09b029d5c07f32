"""The catalog's CSV format: columns per kind, list cells, and formula neutralising.

Pure Python (no ORM), shared by the export (selectors), the import (services), the pages and
the management commands. Every kind is keyed by its unique `name`; references use natural
keys too (user names, group names, service names, SLA policy names); list cells are
separated by ";" and booleans are `true`/`false`.
"""

import csv
import io
from collections.abc import Iterable, Sequence

KINDS = ("groups", "services", "cis")
COLUMNS: dict[str, tuple[str, ...]] = {
    "groups": ("name", "description", "email", "manager", "members", "is_active"),
    "services": (
        "name",
        "description",
        "owner",
        "support_group",
        "criticality",
        "sla_policy",
        "lifecycle",
    ),
    "cis": ("name", "kind", "description", "services", "is_active"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "groups": ("name",),
    "services": ("name", "owner", "support_group"),
    "cis": ("name", "kind"),
}
LIST_SEPARATOR = ";"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value: object) -> str:
    """Neutralise a cell a spreadsheet would run as a formula (CSV injection): prefix "'".

    A value that already starts with apostrophes and a formula character ("'=x", "'-1") gets
    one more "'", so `cell_restore` gives it back unchanged."""
    text = "" if value is None else str(value)
    return "'" + text if _escaped(text) else text


def _escaped(text: str) -> bool:
    """Does `text` start with a formula character, after any number of apostrophes?"""
    first = text.lstrip("'")[:1]
    return first != "" and first in _FORMULA_START


def cell_restore(text: str) -> str:
    """Undo `cell_safe`, so an exported file imports back unchanged."""
    if text[:1] == "'" and _escaped(text):
        return text[1:]
    return text


def list_cell(values: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(sorted(values))


def list_parse(text: str) -> list[str]:
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]


def csv_render(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The whole file as text, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell_safe(value) for value in row])
    return out.getvalue()
