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
        from catalog.roles import roles_sync

        post_migrate.connect(roles_sync, dispatch_uid="catalog.roles_sync")
