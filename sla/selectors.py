"""SLA reads."""

from django.db.models import Count, QuerySet

from sla.models import SlaPolicy


def sla_policy_list() -> QuerySet[SlaPolicy]:
    """All policies with their targets and how many services use them."""
    return SlaPolicy.objects.prefetch_related("targets").annotate(
        service_count=Count("services", distinct=True)
    )


def sla_policy_default() -> SlaPolicy | None:
    """The policy for services that name none."""
    return SlaPolicy.objects.filter(is_default=True).first()
