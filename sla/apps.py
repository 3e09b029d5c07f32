from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from core.cache import generation_retired_by, row_cache_for
        from sla.models import SlaPolicy, SlaTarget
        from sla.selectors import GENERATION

        generation_retired_by(GENERATION, SlaPolicy, SlaTarget)
        row_cache_for(SlaPolicy)  # every incident page's clock
