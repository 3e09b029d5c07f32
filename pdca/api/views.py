"""PDCA API: strategies, cycles, goals and the improvement register (CRUD with If-Match),
reviews (read-only, with snapshots, findings and effectiveness checks), the strategic queue
(triage and decide), and the KPI query endpoint."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import ModelPermissions, ModelPermissionsWritesAreChanges
from core.api.schema import RULE_RESPONSES, crud_schema
from core.api.viewsets import ServiceBackedViewSet
from core.exceptions import PermissionDenied
from pdca import selectors, services
from pdca.api import serializers as s
from pdca.filters import (
    ActionFilterSet,
    CycleFilterSet,
    GoalFilterSet,
    ReviewFilterSet,
    StrategicFilterSet,
    StrategyFilterSet,
)
from pdca.kpis import CATALOGUE, KpiScope, kpi_compute


class KpiQuerySerializer(serializers.Serializer):
    kpi = serializers.ChoiceField(choices=sorted(CATALOGUE))
    service = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62), required=False
    )
    priority = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=5), required=False
    )
    start = serializers.DateField(required=False, help_text="First day (default: 30 days ago)")
    end = serializers.DateField(required=False, help_text="Last day, inclusive (default: today)")
    aged_days = serializers.IntegerField(min_value=1, max_value=3650, required=False, default=30)

    def validate(self, attrs):
        for name in ("start", "end"):
            if name in attrs and not 1900 <= attrs[name].year <= 9998:
                raise serializers.ValidationError({name: [_("Give a date between 1900 and 9998.")]})
        today = timezone.localdate()
        attrs.setdefault("end", today)
        attrs.setdefault("start", attrs["end"] - dt.timedelta(days=29))
        if attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": [_("The period must end after it starts.")]})
        return attrs


class KpiView(APIView):
    """One KPI over a period and scope, computed in the database (DOMAIN §6)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("kpi", str, enum=sorted(CATALOGUE), required=True),
            OpenApiParameter("service", int, many=True),
            OpenApiParameter("priority", int, many=True),
            OpenApiParameter("start", dt.date),
            OpenApiParameter("end", dt.date),
            OpenApiParameter("aged_days", int),
        ],
        responses={
            200: inline_serializer(
                "KpiValue",
                {
                    "kpi": serializers.CharField(),
                    "label": serializers.CharField(),
                    "value": serializers.FloatField(
                        allow_null=True, help_text="null: no data in the period"
                    ),
                    "sample": serializers.IntegerField(),
                    "unit": serializers.CharField(),
                    "start": serializers.DateField(),
                    "end": serializers.DateField(),
                },
            )
        },
    )
    def get(self, request):
        if not request.user.has_perm("pdca.view_goal"):
            raise PermissionDenied()
        query = KpiQuerySerializer(
            data={
                **{
                    k: v
                    for k, v in request.query_params.items()
                    if k not in ("service", "priority")
                },
                "service": request.query_params.getlist("service"),
                "priority": request.query_params.getlist("priority"),
            }
        )
        query.is_valid(raise_exception=True)
        data = query.validated_data
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(data["start"], dt.time(), tz)
        end = dt.datetime.combine(data["end"] + dt.timedelta(days=1), dt.time(), tz)
        value = kpi_compute(
            data["kpi"],
            start=start,
            end=end,
            scope=KpiScope(
                services=tuple(data.get("service", ())), priorities=tuple(data.get("priority", ()))
            ),
            aged_days=data["aged_days"],
        )
        return Response(
            {
                "kpi": data["kpi"],
                "label": CATALOGUE[data["kpi"]].label,
                "value": value.value,
                "sample": value.sample,
                "unit": value.unit,
                "start": data["start"],
                "end": data["end"],
            }
        )


def _permissions_writes_are_changes(view, permissions):
    """Swap ModelPermissions for its POST-is-a-change variant, keeping the other classes."""
    return [
        ModelPermissionsWritesAreChanges() if type(p) is ModelPermissions else p
        for p in permissions
    ]


@crud_schema(s.StrategyInputSerializer, s.StrategyOutputSerializer)
class StrategyViewSet(ServiceBackedViewSet):
    """Plan: strategies with vision, objectives, owner, horizon and services."""

    serializer_class = s.StrategyOutputSerializer
    input_serializer_class = s.StrategyInputSerializer
    filterset_class = StrategyFilterSet
    etag_prefix = "strategy"

    def get_queryset(self):
        return selectors.strategy_list()

    def perform_create_service(self, data):
        return services.strategy_create(actor=self.request.user, data=data)

    def perform_update_service(self, obj, expected_version, data):
        return services.strategy_update(
            actor=self.request.user,
            strategy_id=obj.pk,
            expected_version=expected_version,
            data=data,
        )


@crud_schema(s.CycleInputSerializer, s.CycleOutputSerializer)
class CycleViewSet(ServiceBackedViewSet):
    """Cycles: a period under a strategy with a review cadence; no overlaps in one scope."""

    serializer_class = s.CycleOutputSerializer
    input_serializer_class = s.CycleInputSerializer
    filterset_class = CycleFilterSet
    etag_prefix = "cycle"

    def get_queryset(self):
        return selectors.cycle_list()

    def perform_create_service(self, data):
        return services.cycle_create(actor=self.request.user, data=data)

    def perform_update_service(self, obj, expected_version, data):
        return services.cycle_update(
            actor=self.request.user, cycle_id=obj.pk, expected_version=expected_version, data=data
        )


@crud_schema(s.GoalInputSerializer, s.GoalOutputSerializer)
class GoalViewSet(ServiceBackedViewSet):
    """Do: goals — a KPI, a scope, a target and a direction."""

    serializer_class = s.GoalOutputSerializer
    input_serializer_class = s.GoalInputSerializer
    filterset_class = GoalFilterSet
    etag_prefix = "goal"

    def get_queryset(self):
        return selectors.goal_list()

    def perform_create_service(self, data):
        return services.goal_create(actor=self.request.user, data=data)

    def perform_update_service(self, obj, expected_version, data):
        return services.goal_update(
            actor=self.request.user, goal_id=obj.pk, expected_version=expected_version, data=data
        )


@crud_schema(s.ImprovementActionInputSerializer, s.ImprovementActionOutputSerializer)
class ImprovementActionViewSet(ServiceBackedViewSet):
    """Act: the improvement register. `verdict` is the latest effectiveness check; the
    checks themselves are on the reviews."""

    serializer_class = s.ImprovementActionOutputSerializer
    input_serializer_class = s.ImprovementActionInputSerializer
    filterset_class = ActionFilterSet
    etag_prefix = "action"

    def get_queryset(self):
        return selectors.action_list()

    def perform_create_service(self, data):
        return services.action_create(actor=self.request.user, data=data)

    def perform_update_service(self, obj, expected_version, data):
        return services.action_update(
            actor=self.request.user, action_id=obj.pk, expected_version=expected_version, data=data
        )


class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Check: reviews with their goal snapshots, findings and action checks (read-only)."""

    serializer_class = s.ReviewSerializer
    filterset_class = ReviewFilterSet

    def get_queryset(self):
        return selectors.review_list()


@extend_schema_view(
    create=extend_schema(
        request=s.TriageInputSerializer,
        responses={201: s.StrategicItemSerializer, **RULE_RESPONSES},
        description="Triage a record strategic with a reason.",
    )
)
class StrategicItemViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The strategic queue: records triaged strategic and patterns reviews escalated.
    `?decided=false` lists what waits for a decision."""

    serializer_class = s.StrategicItemSerializer
    filterset_class = StrategicFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.strategic_list()

    def get_permissions(self):
        permissions = super().get_permissions()
        if self.action == "decide":
            return _permissions_writes_are_changes(self, permissions)
        return permissions

    def create(self, request):
        serializer = s.TriageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        item = services.strategic_triage(
            actor=request.user,
            kind=data["kind"],
            record=data["number"].strip().upper(),
            reason=data["reason"],
        )
        item = self.get_queryset().get(pk=item.pk)
        return Response(self.serializer_class(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.DecideInputSerializer,
        responses={200: s.StrategicItemSerializer, **RULE_RESPONSES},
        description="Record the decision (revise_goal, new_action, accept_risk) with a note; "
        "the record returns to the line (operational).",
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        item = self.get_object()
        serializer = s.DecideInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        item = services.strategic_decide(
            actor=request.user,
            item_id=item.pk,
            decision=data["decision"],
            note=data["note"],
            new_target=data.get("new_target"),
        )
        item = self.get_queryset().get(pk=item.pk)
        return Response(self.serializer_class(item).data)


class RecordCycleView(APIView):
    """Link a record to a cycle by hand (it stays), or back to the automatic link."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=s.RecordCycleInputSerializer,
        responses={200: s.RecordCycleOutputSerializer, **RULE_RESPONSES},
    )
    def post(self, request):
        if not request.user.has_perm("pdca.change_recordcycle"):
            raise PermissionDenied()
        serializer = s.RecordCycleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        number = data["number"].strip().upper()
        link = services.record_cycle_set(
            actor=request.user,
            kind=data["kind"],
            record=number,
            cycle_id=data["cycle"].pk if data["cycle"] else None,
        )
        return Response(
            {
                "kind": data["kind"],
                "number": number,
                "cycle": {"id": link.cycle_id, "name": link.cycle.name} if link else None,
                "manual": bool(link and link.manual),
            }
        )
