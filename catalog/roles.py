"""Roles as Django groups, their permissions declared as data by every app.

An AppConfig may carry `role_permissions = {"agent": ["incidents.resolve_incident", …]}`;
after each migrate the groups are brought in line with the union of those declarations.
"""

from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from catalog.choices import Role

STAFF_ROLES = (Role.AGENT, Role.MANAGER, Role.CHANGE_APPROVER, Role.ADMINISTRATOR)


def role_permission_map() -> dict[str, set[str]]:
    """Every role's permissions ("app_label.codename"), merged over all installed apps."""
    merged: dict[str, set[str]] = {role.value: set() for role in Role}
    for config in apps.get_app_configs():
        for role, perms in getattr(config, "role_permissions", {}).items():
            merged.setdefault(role, set()).update(perms)
    return merged


def roles_sync(sender: Any = None, using: str = "default", **kwargs: Any) -> None:
    """Create the role groups and set their permissions (idempotent; post_migrate)."""
    if not Permission.objects.using(using).exists():
        return
    for role, names in role_permission_map().items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        query = Q(pk__in=[])
        for name in names:
            app_label, codename = name.split(".", 1)
            query |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.using(using).filter(query))
