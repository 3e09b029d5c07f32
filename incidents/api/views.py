"""Incident API: looked up by number; writes through the services; If-Match on changes."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.schema import IF_MATCH, PRECONDITION_RESPONSES, RULE_RESPONSES, crud_schema
from core.api.viewsets import ServiceBackedViewSet
from core.exceptions import PermissionDenied
from incidents import selectors, services
from incidents.api import serializers as s
from incidents.filters import IncidentFilterSet

CREATE_EXAMPLE = OpenApiExample(
    "Log an incident",
    request_only=True,
    value={
        "title": "Payslips missing in the portal",
        "description": "Since 08:00 nobody in Finance sees their November payslip.",
        "service": 2,
        "impact": 2,
        "urgency": 1,
    },
)


@extend_schema(examples=[CREATE_EXAMPLE], methods=["POST"])
@crud_schema(s.IncidentInputSerializer, s.IncidentOutputSerializer)
class IncidentViewSet(ServiceBackedViewSet):
    """Incidents. Requesters see and create only their own; staff see all."""

    serializer_class = s.IncidentOutputSerializer
    input_serializer_class = s.IncidentInputSerializer
    filterset_class = IncidentFilterSet
    permission_classes = [IsAuthenticated]
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z]{3}\d{7}"
    etag_prefix = "inc"

    def get_queryset(self):
        return selectors.incident_list(actor=self.request.user)

    def list(self, request, *args, **kwargs):
        """As DRF lists: the page's ids and versions are read, their rows' representations
        come from the cache, and only the rows missing there are read, as values rather
        than model instances (serializers.incident_list_page)."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset.values_list("pk", "version"))  # always paged
        visible = self.get_queryset()
        data = s.incident_list_page(
            list(page),
            lambda ids: visible.filter(pk__in=ids).values(*s.LIST_VALUES),
            self.get_serializer(),
        )
        return self.get_paginated_response(data)

    def perform_create_service(self, data):
        return services.incident_create(actor=self.request.user, data=data)

    def created_for_response(self, incident):
        # incident_create returns it with every relation the representation reads loaded
        # (service, group, people, SLA policy, parent); a test holds the body equal to a GET.
        return incident

    def perform_update_service(self, obj, expected_version, data):
        return services.incident_update(
            actor=self.request.user, incident=obj.pk, expected_version=expected_version, data=data
        )

    @extend_schema(
        request=s.TransitionInputSerializer,
        parameters=[IF_MATCH, OpenApiParameter("name", str, OpenApiParameter.PATH)],
        responses={200: s.IncidentOutputSerializer, **RULE_RESPONSES, **PRECONDITION_RESPONSES},
        description="Take a life-cycle step: start, hold, resume, resolve, reopen, close, "
        "cancel (staff); confirm, reject (the caller). A refusal names the rule in `code`.",
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[\w-]+)")
    def transitions(self, request, number=None, name=None):
        incident = self.get_object()
        expected = self.expected_version(request, incident)
        serializer = s.TransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "version"}
        incident = services.incident_transition(
            actor=request.user,
            incident=incident.pk,
            name=name,
            expected_version=expected,
            data=data,
        )
        incident = self.get_queryset().get(pk=incident.pk)
        return self.with_etag(Response(self.serializer_class(incident).data), incident)

    @extend_schema(
        methods=["GET"], responses={200: s.CommentOutputSerializer(many=True)}, request=None
    )
    @extend_schema(
        methods=["POST"],
        request=s.CommentInputSerializer,
        responses={201: s.CommentOutputSerializer, **RULE_RESPONSES},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def comments(self, request, number=None):
        incident = self.get_object()
        if request.method == "GET":
            comments = incident.comments.select_related("author").order_by("created_at", "pk")
            if not selectors.is_staff_actor(request.user):
                comments = comments.filter(kind="comment")
            return Response(s.CommentOutputSerializer(comments, many=True).data)
        serializer = s.CommentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.incident_comment_add(
            actor=request.user, incident=incident.pk, **serializer.validated_data
        )
        return Response(s.CommentOutputSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.HistoryOutputSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, number=None):
        incident = self.get_object()
        if not selectors.is_staff_actor(request.user):
            raise PermissionDenied()
        rows = selectors.incident_history(incident=incident)
        return Response(s.HistoryOutputSerializer(rows, many=True).data)
