"""Problem API: problems by number, transitions, incident links, known errors, suggestions."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api.permissions import ModelPermissions, ModelPermissionsWritesAreChanges
from core.api.schema import IF_MATCH, PRECONDITION_RESPONSES, RULE_RESPONSES, crud_schema
from core.api.viewsets import ServiceBackedViewSet
from core.params import id_param
from problems import selectors, services
from problems.api import serializers as s
from problems.filters import ProblemFilterSet
from problems.models import Problem, ProblemIncident


@crud_schema(s.ProblemInputSerializer, s.ProblemOutputSerializer)
class ProblemViewSet(ServiceBackedViewSet):
    serializer_class = s.ProblemOutputSerializer
    input_serializer_class = s.ProblemInputSerializer
    filterset_class = ProblemFilterSet
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z]{3}\d{7}"
    etag_prefix = "prb"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    queryset = Problem.objects.none()  # for the permission class's model; reads use the selector

    def get_queryset(self):
        links = ProblemIncident.objects.select_related("incident").order_by("incident__number")
        return selectors.problem_list().prefetch_related(Prefetch("incident_links", queryset=links))

    def perform_create_service(self, data):
        return services.problem_create(actor=self.request.user, data=data)

    def perform_update_service(self, obj, expected_version, data):
        return services.problem_update(
            actor=self.request.user, problem=obj.pk, expected_version=expected_version, data=data
        )

    @extend_schema(
        request=s.ProblemTransitionInputSerializer,
        parameters=[IF_MATCH, OpenApiParameter("name", str, OpenApiParameter.PATH)],
        responses={200: s.ProblemOutputSerializer, **RULE_RESPONSES, **PRECONDITION_RESPONSES},
        description="assess, analyse, mark_known_error, resolve, close, cancel.",
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[\w-]+)")
    def transitions(self, request, number=None, name=None):
        problem = self.get_object()
        expected = self.expected_version(request, problem)
        serializer = s.ProblemTransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "version"}
        problem = services.problem_transition(
            actor=request.user, problem=problem.pk, name=name, expected_version=expected, data=data
        )
        problem = self.get_queryset().get(pk=problem.pk)
        return self.with_etag(Response(self.serializer_class(problem).data), problem)

    @extend_schema(
        request=s.IncidentLinkInputSerializer,
        responses={201: s.ProblemOutputSerializer, **RULE_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="incidents")
    def link_incident(self, request, number=None):
        problem = self.get_object()
        serializer = s.IncidentLinkInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.problem_link_incident(
            actor=request.user,
            problem=problem.pk,
            incident=serializer.validated_data["incident"].upper(),
        )
        problem = self.get_queryset().get(pk=problem.pk)
        return Response(self.serializer_class(problem).data, status=status.HTTP_201_CREATED)

    def get_permissions(self):
        if self.action in ("unlink_incident", "link_incident", "transitions"):
            return [ModelPermissionsWritesAreChanges()]
        return [ModelPermissions()]

    @extend_schema(request=None, responses={204: None, **RULE_RESPONSES})
    @action(detail=True, methods=["delete"], url_path=r"incidents/(?P<incident>[A-Za-z]{3}\d{7})")
    def unlink_incident(self, request, number=None, incident=None):
        problem = self.get_object()
        services.problem_unlink_incident(
            actor=request.user, problem=problem.pk, incident=incident.upper()
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class KnownErrorViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Published known errors with their workarounds (filter by `service` id and `q` text)."""

    serializer_class = s.KnownErrorOutputSerializer
    queryset = Problem.objects.none()

    @extend_schema(
        parameters=[
            OpenApiParameter("service", int, description="Service id"),
            OpenApiParameter("q", str, description="Words to find"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        raw = self.request.query_params.get("service")
        service_id = id_param(raw)
        if raw and service_id is None:
            raise ValidationError({"service": [_("A service id is a whole number.")]})
        return selectors.known_error_list(
            service_id=service_id or 0, text=self.request.query_params.get("q", "")
        )


class SuggestionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Suggested problems from detection; accept creates the problem, dismiss remembers."""

    serializer_class = s.SuggestionOutputSerializer
    permission_classes = [ModelPermissionsWritesAreChanges]
    lookup_value_regex = r"\d{1,18}"

    def get_queryset(self):
        return selectors.suggestion_list()

    @extend_schema(request=None, responses={201: s.ProblemOutputSerializer, **RULE_RESPONSES})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        problem = services.suggestion_accept(actor=request.user, suggestion_id=int(pk))
        return Response(s.ProblemOutputSerializer(problem).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.SuggestionOutputSerializer, **RULE_RESPONSES})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        suggestion = services.suggestion_dismiss(actor=request.user, suggestion_id=int(pk))
        return Response(s.SuggestionOutputSerializer(suggestion).data)
