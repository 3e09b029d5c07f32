"""Catalog writes: one service function per operation, each validated and audited."""

from typing import Any

from django.db import transaction

from catalog.models import ConfigurationItem, Service, SupportGroup
from core.services import fields_apply, locked_get, version_bump

SERVICE_FIELDS = (
    "name", "description", "owner", "support_group", "criticality", "sla_policy", "lifecycle",
)  # fmt: skip
CI_FIELDS = ("name", "kind", "description", "is_active")
GROUP_FIELDS = ("name", "description", "email", "manager", "is_active")


@transaction.atomic
def service_create(*, actor: Any, data: dict[str, Any]) -> Service:
    """Create a service. Raises ValidationError for bad fields."""
    service = Service(**{k: v for k, v in data.items() if k in SERVICE_FIELDS})
    service._history_user = actor
    service.full_clean()
    service.save()
    return service


@transaction.atomic
def service_update(
    *, actor: Any, service_id: int, expected_version: int | None, data: dict[str, Any]
) -> Service:
    """Change a service's fields. Raises: not_found, version_conflict, ValidationError."""
    service = locked_get(Service.objects.all(), pk=service_id, expected_version=expected_version)
    changed = fields_apply(service, data, SERVICE_FIELDS)
    service.full_clean()
    service._history_user = actor
    version_bump(service, changed)
    return service


@transaction.atomic
def ci_create(*, actor: Any, data: dict[str, Any]) -> ConfigurationItem:
    """Create a configuration item and link it to its services."""
    ci = ConfigurationItem(**{k: v for k, v in data.items() if k in CI_FIELDS})
    ci._history_user = actor
    ci.full_clean()
    ci.save()
    if "services" in data:
        ci.services.set(data["services"])
    return ci


@transaction.atomic
def ci_update(
    *, actor: Any, ci_id: int, expected_version: int | None, data: dict[str, Any]
) -> ConfigurationItem:
    """Change a CI and its services. Raises: not_found, version_conflict, ValidationError."""
    ci = locked_get(ConfigurationItem.objects.all(), pk=ci_id, expected_version=expected_version)
    changed = fields_apply(ci, data, CI_FIELDS)
    ci.full_clean()
    services_changed = "services" in data and {s.pk for s in data["services"]} != set(
        ci.services.values_list("pk", flat=True)
    )
    if services_changed:
        ci.services.set(data["services"])
    ci._history_user = actor
    version_bump(ci, changed, touched=services_changed)
    return ci


@transaction.atomic
def support_group_create(*, actor: Any, data: dict[str, Any]) -> SupportGroup:
    """Create a support group with its members."""
    group = SupportGroup(**{k: v for k, v in data.items() if k in GROUP_FIELDS})
    group._history_user = actor
    group.full_clean()
    group.save()
    if "members" in data:
        group.members.set(data["members"])
    return group


@transaction.atomic
def support_group_update(
    *, actor: Any, group_id: int, expected_version: int | None, data: dict[str, Any]
) -> SupportGroup:
    """Change a group and its members. Raises: not_found, version_conflict, ValidationError."""
    group = locked_get(SupportGroup.objects.all(), pk=group_id, expected_version=expected_version)
    changed = fields_apply(group, data, GROUP_FIELDS)
    group.full_clean()
    members_changed = "members" in data and {u.pk for u in data["members"]} != set(
        group.members.values_list("pk", flat=True)
    )
    if members_changed:
        group.members.set(data["members"])
    group._history_user = actor
    version_bump(group, changed, touched=members_changed)
    return group
