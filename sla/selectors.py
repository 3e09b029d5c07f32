"""SLA reads."""

from datetime import datetime

from django.db.models import Count, QuerySet

from core.cache import generation, local_get_or_set
from sla.models import SlaPolicy, SlaTarget

GENERATION = "sla"  # bumped by any save or delete of a policy or a target (sla.apps)


def sla_policy_list() -> QuerySet[SlaPolicy]:
    """All policies with their targets and how many services use them."""
    return SlaPolicy.objects.prefetch_related("targets").annotate(
        service_count=Count("services", distinct=True)
    )


def sla_policy_default() -> SlaPolicy | None:
    """The policy for services that name none."""
    return SlaPolicy.objects.filter(is_default=True).first()


def sla_inputs() -> tuple[dict[int, datetime], dict[tuple[int, int], tuple[int, int]]]:
    """Every policy's version (updated_at) and every target's (response, resolution)
    minutes by (policy, priority): what the clock of every incident write needs, kept in
    the process's memory (two queries on every write before; callers must not change
    them). A target written without signals (bulk) is seen within five minutes
    (core.cache.LOCAL_SECONDS)."""

    def read() -> tuple[dict, dict]:
        versions = dict(SlaPolicy.objects.values_list("pk", "updated_at"))
        targets = {
            (policy, priority): (response, resolution)
            for policy, priority, response, resolution in SlaTarget.objects.values_list(
                "policy_id", "priority", "response_minutes", "resolution_minutes"
            )
        }
        return versions, targets

    return local_get_or_set("sla-inputs:" + generation(GENERATION), read)
