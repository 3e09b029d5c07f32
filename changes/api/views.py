"""Change API: changes by number with transitions, decisions and conflicts; templates;
freeze windows; the calendar feed."""

import datetime as dt

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from changes import selectors, services
from changes.api import serializers as s
from changes.filters import ChangeFilterSet
from changes.ical import changes_ical
from changes.models import Change, ChangeTemplate, FreezeWindow
from core.api.permissions import ModelPermissions, ModelPermissionsWritesAreChanges
from core.api.schema import IF_MATCH, PRECONDITION_RESPONSES, RULE_RESPONSES, crud_schema
from core.api.viewsets import ServiceBackedViewSet
from core.exceptions import PermissionDenied


@extend_validation_errors(["required"], field_name="title", methods=["post"])
@extend_validation_errors(["required"], field_name="service", methods=["post"])
@crud_schema(s.ChangeInputSerializer, s.ChangeOutputSerializer)
class ChangeViewSet(ServiceBackedViewSet):
    serializer_class = s.ChangeOutputSerializer
    input_serializer_class = s.ChangeInputSerializer
    filterset_class = ChangeFilterSet
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z]{3}\d{7}"
    etag_prefix = "chg"
    queryset = Change.objects.none()

    def get_queryset(self):
        return selectors.change_list().prefetch_related("approvals__approver")

    def get_permissions(self):
        if self.action == "transitions":
            return [ModelPermissionsWritesAreChanges()]
        if self.action in ("calendar", "decision"):
            return [IsAuthenticated()]  # each checks its own permission
        return [ModelPermissions()]

    def perform_create_service(self, data):
        template = data.pop("template", None)
        return services.change_create(actor=self.request.user, data=data, template=template)

    def perform_update_service(self, obj, expected_version, data):
        data.pop("template", None)
        return services.change_update(
            actor=self.request.user, change=obj.pk, expected_version=expected_version, data=data
        )

    def _refetch(self, change):
        change = self.get_queryset().get(pk=change.pk)
        return self.with_etag(Response(self.serializer_class(change).data), change)

    @extend_schema(
        request=s.ChangeTransitionInputSerializer,
        parameters=[IF_MATCH, OpenApiParameter("name", str, OpenApiParameter.PATH)],
        responses={200: s.ChangeOutputSerializer, **RULE_RESPONSES, **PRECONDITION_RESPONSES},
        description="submit, request_approval, schedule, implement, review, close, cancel.",
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[\w-]+)")
    def transitions(self, request, number=None, name=None):
        change = self.get_object()
        expected = self.expected_version(request, change)
        serializer = s.ChangeTransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "version"}
        change = services.change_transition(
            actor=request.user, change=change.pk, name=name, expected_version=expected, data=data
        )
        return self._refetch(change)

    @extend_schema(
        operation_id="v1_changes_decision",
        request=s.DecisionInputSerializer,
        parameters=[
            OpenApiParameter("decision", str, OpenApiParameter.PATH, enum=["approve", "reject"])
        ],
        responses={200: s.ChangeOutputSerializer, **RULE_RESPONSES, **PRECONDITION_RESPONSES},
        description="Approve or reject the version read: If-Match carries its ETag.",
    )
    @action(detail=True, methods=["post"], url_path=r"(?P<decision>approve|reject)")
    def decision(self, request, number=None, decision=None):
        if not request.user.has_perm("changes.approve_change"):
            raise PermissionDenied()
        change = self.get_object()
        expected = self.expected_version(request, change)
        serializer = s.DecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.change_decide(
            actor=request.user,
            change=change.pk,
            approve=decision == "approve",
            comment=serializer.validated_data["comment"],
            expected_version=expected,
        )
        return self._refetch(change)

    @extend_schema(responses={200: s.ConflictOutputSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def conflicts(self, request, number=None):
        change = self.get_object()
        return Response(
            s.ConflictOutputSerializer(selectors.change_conflicts(change=change), many=True).data
        )

    @extend_schema(
        responses={
            (200, "text/calendar"): OpenApiResponse(
                description="iCalendar (RFC 5545) of change windows"
            )
        }
    )
    @action(detail=False, methods=["get"], url_path="calendar")
    def calendar(self, request):
        if not request.user.has_perm("changes.view_change"):
            raise PermissionDenied()
        now = timezone.now()
        changes = selectors.calendar_changes(
            start=now - dt.timedelta(days=31), end=now + dt.timedelta(days=366)
        )
        return HttpResponse(
            changes_ical(changes, request=request), content_type="text/calendar; charset=utf-8"
        )


class ChangeTemplateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Standard change templates; `retire` takes one out of use."""

    serializer_class = s.TemplateOutputSerializer
    queryset = ChangeTemplate.objects.select_related("service").order_by("name", "pk")
    permission_classes = [ModelPermissionsWritesAreChanges]
    lookup_value_regex = r"\d{1,18}"

    @extend_schema(request=None, responses={200: s.TemplateOutputSerializer, **RULE_RESPONSES})
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        template = services.change_template_retire(
            actor=request.user, template_id=self.get_object().pk
        )
        return Response(s.TemplateOutputSerializer(template).data)


class FreezeWindowViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Freeze (blackout) windows; managers declare them."""

    serializer_class = s.FreezeWindowSerializer
    queryset = FreezeWindow.objects.prefetch_related("services").order_by("start", "pk")

    @extend_schema(responses={201: s.FreezeWindowSerializer, **RULE_RESPONSES})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        window = services.freeze_window_create(actor=request.user, data=serializer.validated_data)
        return Response(self.get_serializer(window).data, status=status.HTTP_201_CREATED)
