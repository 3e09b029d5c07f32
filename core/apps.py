from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from core.auth import permission_signals_connect
        from core.history import history_protect_all

        permission_signals_connect()

        # Framework hook: every simple-history table gets its append-only triggers.
        post_migrate.connect(history_protect_all, dispatch_uid="core.history_protect_all")
