"""Panels that higher apps contribute to the incident detail page.

`incidents` may not import `problems` or `changes`; they register a provider here instead.
A provider takes (incident, user) and returns (template name, context) or None.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

Panel = tuple[str, dict[str, Any]]
PanelProvider = Callable[[Any, Any], Panel | None]

_providers: list[PanelProvider] = []
_joins: list[str] = []
_flags: dict[str, Callable[[], Any]] = {}


def incident_panel_register(
    provider: PanelProvider,
    *,
    joins: tuple[str, ...] = (),
    flags: dict[str, Callable[[], Any]] | None = None,
) -> None:
    """Add a panel provider (idempotent). What it reads can come with the page's one query
    of the incident: `joins`, one-to-one relations to select_related (read them with
    incident_related); `flags`, names of Exists(... OuterRef("pk")) annotations made by the
    factories given, so the provider queries only for what is there."""
    if provider not in _providers:
        _providers.append(provider)
    _joins.extend(join for join in joins if join not in _joins)
    _flags.update(flags or {})


def incident_panel_joins() -> list[str]:
    return list(_joins)


def incident_panel_flags() -> dict[str, Any]:
    return {name: make() for name, make in _flags.items()}


def incident_related(incident: Any, name: str) -> Any:
    """A one-to-one relation of the incident (joined by the page's query), or None."""
    try:
        return getattr(incident, name)
    except ObjectDoesNotExist:
        return None


def incident_panels(incident: Any, user: Any) -> list[Panel]:
    """The panels every registered provider offers for this incident and user."""
    return [panel for provider in _providers if (panel := provider(incident, user)) is not None]


_form_hints: list[str] = []


def incident_form_hint_register(url_name: str) -> None:
    """Add a URL that answers `?service=<id>` with an HTML hint for the incident forms."""
    if url_name not in _form_hints:
        _form_hints.append(url_name)


def incident_form_hints() -> list[str]:
    return list(_form_hints)
