from rest_framework import viewsets

from sla import selectors
from sla.api.serializers import SlaPolicyOutputSerializer


class SlaPolicyViewSet(viewsets.ReadOnlyModelViewSet):
    """SLA policies and their targets (read-only; administrators edit them in the admin)."""

    serializer_class = SlaPolicyOutputSerializer

    def get_queryset(self):
        return selectors.sla_policy_list().order_by("name", "pk")
