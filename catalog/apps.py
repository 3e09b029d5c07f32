from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from catalog.constants import CATALOG_ROLE_PERMISSIONS


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Service catalog")
    # Each app declares what its roles may do; catalog.roles merges them into Django groups.
    role_permissions = CATALOG_ROLE_PERMISSIONS

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        from catalog.models import ConfigurationItem, Service, SupportGroup
        from catalog.roles import roles_sync
        from core.cache import choices_cache_for, row_cache_for

        post_migrate.connect(roles_sync, dispatch_uid="catalog.roles_sync")
        # Services, groups, CIs and people fill most selects on every list page.
        choices_cache_for(
            Service,
            SupportGroup,
            ConfigurationItem,
            get_user_model(),
            through=(SupportGroup.members.through,),
        )
        # What every incident page shows of its service and group, and what every new
        # incident takes from its service.
        row_cache_for(Service, with_related=("support_group", "sla_policy"))
        row_cache_for(SupportGroup)
