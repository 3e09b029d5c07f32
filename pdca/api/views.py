"""PDCA API: the KPI query endpoint."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import PermissionDenied
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
