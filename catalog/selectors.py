"""Catalog reads. Lists carry their related rows so a page costs the same queries at any size."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, QuerySet

from catalog.csv_format import list_cell
from catalog.models import ConfigurationItem, Service, SupportGroup

User = get_user_model()


def service_list() -> QuerySet[Service]:
    """Services with owner, group, policy and CI count."""
    return (
        Service.objects.select_related("owner", "support_group", "sla_policy")
        .annotate(ci_count=Count("cis", distinct=True))
        .order_by("name", "pk")
    )


def service_get(*, pk: int) -> Service | None:
    """One service with its CIs."""
    return (
        Service.objects.select_related(
            "owner", "support_group", "support_group__manager", "sla_policy"
        )
        .prefetch_related("cis")
        .filter(pk=pk)
        .first()
    )


def ci_list() -> QuerySet[ConfigurationItem]:
    """Configuration items with their services."""
    return ConfigurationItem.objects.prefetch_related(
        Prefetch("services", queryset=Service.objects.only("pk", "name").order_by("name"))
    ).order_by("name", "pk")


def ci_get(*, pk: int) -> ConfigurationItem | None:
    return ci_list().filter(pk=pk).first()


def support_group_list() -> QuerySet[SupportGroup]:
    """Groups with their manager and member and service counts."""
    return (
        SupportGroup.objects.select_related("manager")
        .annotate(
            member_count=Count("members", distinct=True),
            service_count=Count("services", distinct=True),
        )
        .order_by("name", "pk")
    )


def support_group_get(*, pk: int) -> SupportGroup | None:
    return (
        SupportGroup.objects.select_related("manager")
        .prefetch_related(
            Prefetch("members", queryset=User.objects.order_by("username")),
            Prefetch("services", queryset=Service.objects.order_by("name")),
        )
        .filter(pk=pk)
        .first()
    )


def catalog_summary() -> dict[str, int]:
    """Counts for the home page, in one query per table."""
    return {
        "services_live": Service.objects.filter(lifecycle="live").count(),
        "services": Service.objects.count(),
        "cis": ConfigurationItem.objects.count(),
        "groups": SupportGroup.objects.count(),
    }


def user_support_groups(*, user: Any) -> QuerySet[SupportGroup]:
    """The groups a user belongs to."""
    return SupportGroup.objects.filter(members=user).order_by("name")


def catalog_export_rows(*, kind: str) -> list[list[object]]:
    """The rows of one catalog kind for CSV export, in csv_format.COLUMNS order (a few
    queries whatever the size)."""
    if kind == "groups":
        groups = SupportGroup.objects.select_related("manager").prefetch_related(
            Prefetch("members", queryset=User.objects.only("pk", "username"))
        )
        return [
            [
                g.name,
                g.description,
                g.email,
                g.manager.get_username() if g.manager else "",
                list_cell(m.get_username() for m in g.members.all()),
                "true" if g.is_active else "false",
            ]
            for g in groups.order_by("name", "pk")
        ]
    if kind == "services":
        services = Service.objects.select_related("owner", "support_group", "sla_policy")
        return [
            [
                s.name,
                s.description,
                s.owner.get_username(),
                s.support_group.name,
                s.criticality,
                s.sla_policy.name if s.sla_policy else "",
                s.lifecycle,
            ]
            for s in services.order_by("name", "pk")
        ]
    if kind == "cis":
        return [
            [
                ci.name,
                ci.kind,
                ci.description,
                list_cell(s.name for s in ci.services.all()),
                "true" if ci.is_active else "false",
            ]
            for ci in ci_list()
        ]
    raise ValueError("unknown catalog kind {kind!r}".format(kind=kind))
