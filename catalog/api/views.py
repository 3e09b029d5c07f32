"""Catalog API: services, configuration items and support groups."""

from django.contrib.auth import get_user_model
from django.db.models import Prefetch

from catalog import selectors, services
from catalog.api import serializers as s
from catalog.filters import ConfigurationItemFilterSet, ServiceFilterSet, SupportGroupFilterSet
from core.api.schema import crud_schema
from core.api.viewsets import ServiceBackedViewSet

User = get_user_model()


@crud_schema(s.ServiceInputSerializer, s.ServiceOutputSerializer)
class ServiceViewSet(ServiceBackedViewSet):
    serializer_class = s.ServiceOutputSerializer
    input_serializer_class = s.ServiceInputSerializer
    filterset_class = ServiceFilterSet
    etag_prefix = "svc"

    def get_queryset(self):
        return selectors.service_list()

    def perform_create_service(self, data):
        return services.service_create(actor=self.request.user, data=data)

    def perform_update_service(self, obj, expected_version, data):
        return services.service_update(
            actor=self.request.user, service_id=obj.pk, expected_version=expected_version, data=data
        )


@crud_schema(s.ConfigurationItemInputSerializer, s.ConfigurationItemOutputSerializer)
class ConfigurationItemViewSet(ServiceBackedViewSet):
    serializer_class = s.ConfigurationItemOutputSerializer
    input_serializer_class = s.ConfigurationItemInputSerializer
    filterset_class = ConfigurationItemFilterSet
    etag_prefix = "ci"

    def get_queryset(self):
        return selectors.ci_list()

    def perform_create_service(self, data):
        return services.ci_create(actor=self.request.user, data=data)

    def perform_update_service(self, obj, expected_version, data):
        return services.ci_update(
            actor=self.request.user, ci_id=obj.pk, expected_version=expected_version, data=data
        )


@crud_schema(s.SupportGroupInputSerializer, s.SupportGroupOutputSerializer)
class SupportGroupViewSet(ServiceBackedViewSet):
    serializer_class = s.SupportGroupOutputSerializer
    input_serializer_class = s.SupportGroupInputSerializer
    filterset_class = SupportGroupFilterSet
    etag_prefix = "grp"

    def get_queryset(self):
        return selectors.support_group_list().prefetch_related(
            Prefetch("members", queryset=User.objects.order_by("username"))
        )

    def perform_create_service(self, data):
        return services.support_group_create(actor=self.request.user, data=data)

    def perform_update_service(self, obj, expected_version, data):
        return services.support_group_update(
            actor=self.request.user, group_id=obj.pk, expected_version=expected_version, data=data
        )
