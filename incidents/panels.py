"""Panels that higher apps contribute to the incident detail page.

`incidents` may not import `problems` or `changes`; they register a provider here instead.
A provider takes (incident, user) and returns (template name, context) or None.
"""

from collections.abc import Callable
from typing import Any

Panel = tuple[str, dict[str, Any]]
PanelProvider = Callable[[Any, Any], Panel | None]

_providers: list[PanelProvider] = []


def incident_panel_register(provider: PanelProvider) -> None:
    """Add a panel provider (idempotent)."""
    if provider not in _providers:
        _providers.append(provider)


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
