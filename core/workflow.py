"""The workflow engine: transitions as data, guards as pure functions.

A process app declares its table (`incidents/workflow.py`); services call `check()` before
they write, the UI and API call `available()` to show only what the actor may do now.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from core.exceptions import TransitionRefused

Guard = Callable[[Any, Any, Mapping[str, Any]], None]
"""A guard takes (record, actor, data) and raises TransitionRefused when its rule fails."""


@dataclass(frozen=True)
class Transition:
    """One named move from any of `sources` to `target`, allowed by `permission` and guards."""

    name: str
    sources: frozenset[str]
    target: str
    label: str = ""
    permission: str | None = None
    guards: tuple[Guard, ...] = ()
    fields: tuple[str, ...] = ()
    """Input fields the transition takes (the form or API body offers them)."""


@dataclass(frozen=True)
class Workflow:
    """A process's transition table."""

    transitions: tuple[Transition, ...]
    state_field: str = "state"
    _by_name: dict[str, Transition] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {t.name: t for t in self.transitions}
        if len(by_name) != len(self.transitions):
            raise ValueError("Transition names must be unique.")
        object.__setattr__(self, "_by_name", by_name)

    def get(self, name: str) -> Transition:
        """Return the transition called `name` or refuse with `unknown_transition`."""
        try:
            return self._by_name[name]
        except KeyError:
            raise TransitionRefused(
                "unknown_transition",
                _("There is no transition called “{name}”.").format(name=name),
                status=404,
            ) from None

    def states_reachable(self) -> set[str]:
        """Every state that some transition enters or leaves."""
        states = {t.target for t in self.transitions}
        for t in self.transitions:
            states |= t.sources
        return states

    def available(self, record: Any, actor: Any) -> list[Transition]:
        """Transitions whose source state and permission allow `actor` to take them now."""
        state = getattr(record, self.state_field)
        return [
            t
            for t in self.transitions
            if state in t.sources and (t.permission is None or actor.has_perm(t.permission))
        ]

    def check(
        self, record: Any, name: str, actor: Any, data: Mapping[str, Any] | None = None
    ) -> Transition:
        """Return the transition if allowed now; otherwise raise TransitionRefused(rule)."""
        transition = self.get(name)
        state = getattr(record, self.state_field)
        if state not in transition.sources:
            raise TransitionRefused(
                "invalid_source_state",
                _("“{name}” is not possible from state “{state}”.").format(
                    name=transition.label or transition.name,
                    state=getattr(record, "get_state_display", lambda: state)(),
                ),
            )
        if transition.permission and not actor.has_perm(transition.permission):
            raise TransitionRefused(
                "permission_denied",
                _("You are not allowed to “{name}” this record.").format(
                    name=transition.label or transition.name
                ),
                status=403,
            )
        for guard in transition.guards:
            guard(record, actor, data or {})
        return transition


def _present(value: Any) -> bool:
    return value not in (None, "") and not (isinstance(value, str) and not value.strip())


def require(field_name: str, label: object = None) -> Guard:
    """Guard: `field_name` must be given in the data or already set on the record."""

    def guard(record: Any, actor: Any, data: Mapping[str, Any]) -> None:
        value = data.get(field_name, getattr(record, field_name, None))
        if not _present(value):
            raise TransitionRefused(
                "{field}_required".format(field=field_name),
                _("{label} is required for this step.").format(label=label or field_name),
                field=field_name,
                status=422,
            )

    guard.__name__ = "require_{field}".format(field=field_name)
    return guard


def require_any(field_names: Iterable[str], rule: str, message: object) -> Guard:
    """Guard: at least one of `field_names` must be given or already set."""
    names = tuple(field_names)

    def guard(record: Any, actor: Any, data: Mapping[str, Any]) -> None:
        if not any(_present(data.get(n, getattr(record, n, None))) for n in names):
            raise TransitionRefused(rule, message, field=names[0], status=422)

    return guard
