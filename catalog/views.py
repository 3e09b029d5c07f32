"""Catalog pages for staff: list, detail, create and edit of services, CIs and groups."""

from django.urls import reverse_lazy

from catalog import selectors, services
from catalog.filters import ConfigurationItemFilterSet, ServiceFilterSet, SupportGroupFilterSet
from catalog.forms import ConfigurationItemForm, ServiceForm, SupportGroupForm
from core.views import ObjectDetailView, ObjectEditView, ObjectListView


class ServiceListView(ObjectListView):
    permission_required = "catalog.view_service"
    filterset_class = ServiceFilterSet
    template_name = "catalog/service_list.html"
    partial_template_name = "catalog/partials/service_table.html"

    def selector(self):
        return selectors.service_list()


class ServiceDetailView(ObjectDetailView):
    permission_required = "catalog.view_service"
    template_name = "catalog/service_detail.html"

    def selector(self, pk):
        return selectors.service_get(pk=pk)


class ServiceEditView(ObjectEditView):
    cancel_url = reverse_lazy("catalog:service_list")
    form_class = ServiceForm

    def get_permission_required(self):
        return ["catalog.change_service" if "pk" in self.kwargs else "catalog.add_service"]

    def selector(self, pk):
        return selectors.service_get(pk=pk)

    def create(self, data):
        return services.service_create(actor=self.request.user, data=data)

    def update(self, obj, expected_version, data):
        return services.service_update(
            actor=self.request.user, service_id=obj.pk, expected_version=expected_version, data=data
        )


class CiListView(ObjectListView):
    permission_required = "catalog.view_configurationitem"
    filterset_class = ConfigurationItemFilterSet
    template_name = "catalog/ci_list.html"
    partial_template_name = "catalog/partials/ci_table.html"

    def selector(self):
        return selectors.ci_list()


class CiDetailView(ObjectDetailView):
    permission_required = "catalog.view_configurationitem"
    template_name = "catalog/ci_detail.html"

    def selector(self, pk):
        return selectors.ci_get(pk=pk)


class CiEditView(ObjectEditView):
    cancel_url = reverse_lazy("catalog:ci_list")
    form_class = ConfigurationItemForm

    def get_permission_required(self):
        return [
            "catalog.change_configurationitem"
            if "pk" in self.kwargs
            else "catalog.add_configurationitem"
        ]

    def selector(self, pk):
        return selectors.ci_get(pk=pk)

    def get_initial(self):
        if self.object is not None:
            return {"services": list(self.object.services.all())}
        return super().get_initial()

    def create(self, data):
        return services.ci_create(actor=self.request.user, data=data)

    def update(self, obj, expected_version, data):
        return services.ci_update(
            actor=self.request.user, ci_id=obj.pk, expected_version=expected_version, data=data
        )


class SupportGroupListView(ObjectListView):
    permission_required = "catalog.view_supportgroup"
    filterset_class = SupportGroupFilterSet
    template_name = "catalog/supportgroup_list.html"
    partial_template_name = "catalog/partials/supportgroup_table.html"

    def selector(self):
        return selectors.support_group_list()


class SupportGroupDetailView(ObjectDetailView):
    permission_required = "catalog.view_supportgroup"
    template_name = "catalog/supportgroup_detail.html"

    def selector(self, pk):
        return selectors.support_group_get(pk=pk)


class SupportGroupEditView(ObjectEditView):
    cancel_url = reverse_lazy("catalog:supportgroup_list")
    form_class = SupportGroupForm

    def get_permission_required(self):
        return [
            "catalog.change_supportgroup" if "pk" in self.kwargs else "catalog.add_supportgroup"
        ]

    def selector(self, pk):
        return selectors.support_group_get(pk=pk)

    def get_initial(self):
        if self.object is not None:
            return {"members": list(self.object.members.all())}
        return super().get_initial()

    def create(self, data):
        return services.support_group_create(actor=self.request.user, data=data)

    def update(self, obj, expected_version, data):
        return services.support_group_update(
            actor=self.request.user, group_id=obj.pk, expected_version=expected_version, data=data
        )
