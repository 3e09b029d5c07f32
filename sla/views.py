"""SLA policy pages for staff (policies are edited in the admin by administrators)."""

from django.views.generic import ListView

from core.views import ObjectDetailView, StaffRequiredMixin
from sla import selectors


class SlaPolicyListView(StaffRequiredMixin, ListView):
    permission_required = "sla.view_slapolicy"
    template_name = "sla/policy_list.html"
    context_object_name = "policies"

    def get_queryset(self):
        return selectors.sla_policy_list()


class SlaPolicyDetailView(ObjectDetailView):
    permission_required = "sla.view_slapolicy"
    template_name = "sla/policy_detail.html"

    def selector(self, pk):
        return selectors.sla_policy_list().filter(pk=pk).first()
