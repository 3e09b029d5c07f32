"""Problem API serializers."""

from rest_framework import serializers

from catalog.api.serializers import (
    ServiceRefSerializer,
    StrictCharField,
    SupportGroupRefSerializer,
    UserRefSerializer,
)
from catalog.models import ConfigurationItem, Service, SupportGroup
from incidents.choices import Impact, Urgency
from problems.choices import RcaMethod
from problems.models import Problem, SuggestedProblem


class ProblemOutputSerializer(serializers.ModelSerializer):
    service = ServiceRefSerializer(read_only=True)
    assignment_group = SupportGroupRefSerializer(read_only=True)
    assignee = UserRefSerializer(read_only=True)
    incidents = serializers.SerializerMethodField()

    class Meta:
        model = Problem
        fields = [
            "number",
            "title",
            "description",
            "state",
            "service",
            "category",
            "impact",
            "urgency",
            "priority",
            "root_cause",
            "workaround",
            "rca_method",
            "rca_notes",
            "known_error",
            "known_error_published_at",
            "resolution_notes",
            "no_change_reason",
            "cancel_reason",
            "assignment_group",
            "assignee",
            "pdca_scope",
            "opened_at",
            "resolved_at",
            "closed_at",
            "version",
            "incidents",
        ]
        read_only_fields = fields

    def get_incidents(self, problem: Problem) -> list[str]:
        return [link.incident.number for link in problem.incident_links.all()]


class RcaStepSerializer(serializers.Serializer):
    why = StrictCharField(max_length=500)
    because = StrictCharField(max_length=500, required=False, allow_blank=True)


class ProblemInputSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200)
    description = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.all())
    cis = serializers.PrimaryKeyRelatedField(
        queryset=ConfigurationItem.objects.all(), many=True, required=False
    )
    category = StrictCharField(max_length=100, required=False, allow_blank=True)
    impact = serializers.ChoiceField(choices=Impact.choices, required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    root_cause = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    workaround = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    rca_method = serializers.ChoiceField(
        choices=RcaMethod.choices, required=False, allow_blank=True
    )
    rca_notes = RcaStepSerializer(many=True, required=False)
    assignment_group = serializers.PrimaryKeyRelatedField(
        queryset=SupportGroup.objects.all(), required=False, allow_null=True
    )
    pdca_scope = serializers.ChoiceField(
        choices=Problem._meta.get_field("pdca_scope").choices, required=False
    )
    version = serializers.IntegerField(required=False, min_value=1)


class ProblemTransitionInputSerializer(serializers.Serializer):
    root_cause = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    workaround = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    resolution_notes = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    no_change_reason = StrictCharField(required=False, allow_blank=True)
    resolve_incidents = serializers.BooleanField(required=False, default=False)
    cancel_reason = StrictCharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, min_value=1)


class IncidentLinkInputSerializer(serializers.Serializer):
    incident = StrictCharField(max_length=16, help_text="Incident number, e.g. INC0001042")


class KnownErrorOutputSerializer(serializers.ModelSerializer):
    service = ServiceRefSerializer(read_only=True)

    class Meta:
        model = Problem
        fields = [
            "number",
            "title",
            "service",
            "root_cause",
            "workaround",
            "known_error_published_at",
        ]
        read_only_fields = fields


class SuggestionOutputSerializer(serializers.ModelSerializer):
    service = ServiceRefSerializer(read_only=True)
    ci = serializers.SlugRelatedField(slug_field="name", read_only=True)
    problem = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = SuggestedProblem
        fields = [
            "id",
            "service",
            "category",
            "ci",
            "status",
            "incident_count",
            "first_opened_at",
            "last_opened_at",
            "detected_at",
            "problem",
        ]
        read_only_fields = fields
