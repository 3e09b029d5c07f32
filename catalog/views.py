"""Catalog pages for staff: list, detail, create and edit of services, CIs and groups; CSV
export and import."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from catalog import selectors, services
from catalog.csv_format import COLUMNS, KINDS, csv_render
from catalog.filters import ConfigurationItemFilterSet, ServiceFilterSet, SupportGroupFilterSet
from catalog.forms import CatalogImportForm, ConfigurationItemForm, ServiceForm, SupportGroupForm
from core.exceptions import DomainError
from core.views import ObjectDetailView, ObjectEditView, ObjectListView, StaffRequiredMixin


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


_KIND_MODELS = {"groups": "supportgroup", "services": "service", "cis": "configurationitem"}


class CatalogExportView(StaffRequiredMixin, View):
    """One catalog kind as CSV (formula cells neutralised), for whoever may view it."""

    def get_permission_required(self):
        kind = self.kwargs["kind"]
        if kind not in _KIND_MODELS:
            raise Http404
        return ["catalog.view_{m}".format(m=_KIND_MODELS[kind])]

    def get(self, request, kind):
        body = csv_render(COLUMNS[kind], selectors.catalog_export_rows(kind=kind))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="catalog-{kind}.csv"'.format(
            kind=kind
        )
        return response


class CatalogImportView(StaffRequiredMixin, FormView):
    """Upload a CSV of groups, services or CIs; show the row-by-row report."""

    form_class = CatalogImportForm
    template_name = "catalog/catalog_import.html"

    def has_permission(self):
        user = self.request.user
        return any(services.catalog_import_permitted(actor=user, kind=kind) for kind in KINDS)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        labels = dict(CatalogImportForm.base_fields["kind"].choices)
        context["columns"] = [(kind, labels[kind], ", ".join(COLUMNS[kind])) for kind in KINDS]
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            report = services.catalog_import(
                actor=self.request.user,
                kind=data["kind"],
                text=data["file"],
                dry_run=data["dry_run"],
            )
        except DomainError as err:
            form.add_error("kind", err.message)
            return self.form_invalid(form)
        if report.ok and not report.dry_run:
            messages.success(
                self.request,
                _("Imported: {c} created, {u} updated, {n} unchanged.").format(
                    c=report.created, u=report.updated, n=report.unchanged
                ),
            )
        status = 200 if report.ok else 422
        return self.render_to_response(
            self.get_context_data(form=form, report=report), status=status
        )
