from django.apps import AppConfig
from django.core.signals import request_finished, request_started
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from core.auth import permission_signals_connect
        from core.cache import generations_per_request, generations_request_done
        from core.history import history_protect_all

        permission_signals_connect()
        request_started.connect(generations_per_request, dispatch_uid="core.generations")
        request_finished.connect(generations_request_done, dispatch_uid="core.generations")

        # Framework hook: every simple-history table gets its append-only triggers.
        post_migrate.connect(history_protect_all, dispatch_uid="core.history_protect_all")
