"""Write helpers shared by every app's services: lock a row, check its version, save."""

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import models

from core.exceptions import NotFound, PermissionDenied, VersionConflict

M = TypeVar("M", bound=models.Model)


def locked_get(
    queryset: "models.QuerySet[M]", *, pk: Any, expected_version: int | None = None
) -> M:
    """Lock and return one row; refuse if it is gone or its version moved on.

    Call inside a transaction. Raises: not_found, version_conflict.
    """
    obj = queryset.select_for_update().filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    if expected_version is not None and obj.version != expected_version:  # type: ignore[attr-defined]
        raise VersionConflict(current_version=obj.version)  # type: ignore[attr-defined]
    return obj


def record_lock(
    queryset: "models.QuerySet[M]", ref: Any, *, expected_version: int | None = None
) -> M:
    """Lock a record found by its number (a str) or id within `queryset` (which may be a
    visibility filter: then an invisible record is simply not found, before any version
    comparison can tell that it exists). Raises: not_found, version_conflict."""
    field = "number" if isinstance(ref, str) else "pk"
    pk = queryset.filter(**{field: ref}).values_list("pk", flat=True).first()
    if pk is None:
        raise NotFound()
    return locked_get(
        queryset.model._default_manager.all(), pk=pk, expected_version=expected_version
    )


def permission_require(actor: Any, perm: str) -> None:
    """Refuse with permission_denied unless the actor holds `perm`."""
    if not actor.has_perm(perm):
        raise PermissionDenied()


def fields_apply(obj: M, data: Mapping[str, Any], allowed: Iterable[str]) -> list[str]:
    """Set the allowed fields from `data` that differ; return the names that changed."""
    changed = []
    for name in allowed:
        if name in data and getattr(obj, name) != data[name]:
            setattr(obj, name, data[name])
            changed.append(name)
    return changed


def version_bump(obj: M, changed: list[str], *, touched: bool = False) -> None:
    """Save the `changed` fields and raise the version by one, if anything changed.

    `touched` says that something besides the row's columns changed (a many-to-many set).
    """
    if not changed and not touched:
        return
    # The row is locked (locked_get), so a plain increment cannot race; the history row
    # written by save() then carries the new version too.
    obj.version += 1  # type: ignore[attr-defined]
    obj.save(update_fields=sorted({*changed, "version", "updated_at"}))


def loaded_relations(obj: models.Model) -> list[str]:
    """The foreign keys of `obj` set from loaded instances. Model.full_clean() re-SELECTs
    each foreign key to prove it exists; for these, loading them proved it (and the
    database's constraint still guards the rest). Pass them to full_clean(exclude=...)."""
    return [
        field.name
        for field in obj._meta.concrete_fields
        if field.many_to_one and field.is_cached(obj) and getattr(obj, field.name) is not None
    ]


def changed_clean(obj: models.Model, changed: Iterable[str]) -> None:
    """Model.full_clean() for the fields a write changed. The rest were validated when they
    were written; re-validating them costs a SELECT per foreign key and unique field, and the
    database's own constraints still guard every column."""
    changed = set(changed)
    obj.full_clean(
        exclude=[f.name for f in obj._meta.concrete_fields if f.name not in changed],
        validate_unique=False,
        validate_constraints=False,
    )
