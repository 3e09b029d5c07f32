"""Change API serializers."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from catalog.api.serializers import (
    ServiceRefSerializer,
    StrictCharField,
    SupportGroupRefSerializer,
    UserRefSerializer,
)
from catalog.models import ConfigurationItem, Service, SupportGroup
from changes.choices import ChangeType, Outcome, Risk
from changes.models import Change, ChangeApproval, ChangeTemplate, FreezeWindow
from core.api.fields import CalendarDateTimeField
from incidents.choices import Impact
from problems.models import Problem

User = get_user_model()


class ApprovalOutputSerializer(serializers.ModelSerializer):
    approver = UserRefSerializer(read_only=True)

    class Meta:
        model = ChangeApproval
        fields = ["approver", "decision", "comment", "round", "requested_at", "decided_at"]
        read_only_fields = fields


class ChangeOutputSerializer(serializers.ModelSerializer):
    service = ServiceRefSerializer(read_only=True)
    assignment_group = SupportGroupRefSerializer(read_only=True)
    assignee = UserRefSerializer(read_only=True)
    fixes_problem = serializers.SlugRelatedField(slug_field="number", read_only=True)
    template = serializers.SlugRelatedField(slug_field="name", read_only=True)
    approvals = ApprovalOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Change
        fields = [
            "number",
            "title",
            "description",
            "reason",
            "change_type",
            "template",
            "state",
            "service",
            "impact",
            "likelihood",
            "risk",
            "implementation_plan",
            "backout_plan",
            "test_plan",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "assignment_group",
            "assignee",
            "outcome",
            "review_notes",
            "cancel_reason",
            "fixes_problem",
            "pdca_scope",
            "opened_at",
            "closed_at",
            "version",
            "approvals",
        ]
        read_only_fields = fields


class ChangeInputSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200, required=False)
    description = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    reason = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    change_type = serializers.ChoiceField(choices=ChangeType.choices, required=False)
    template = serializers.PrimaryKeyRelatedField(
        queryset=ChangeTemplate.objects.all(), required=False
    )
    service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.all(), required=False)
    cis = serializers.PrimaryKeyRelatedField(
        queryset=ConfigurationItem.objects.all(), many=True, required=False
    )
    impact = serializers.ChoiceField(choices=Impact.choices, required=False)
    likelihood = serializers.ChoiceField(choices=Impact.choices, required=False)
    risk = serializers.ChoiceField(choices=Risk.choices, required=False)
    implementation_plan = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    backout_plan = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    test_plan = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    planned_start = CalendarDateTimeField(required=False)
    planned_end = CalendarDateTimeField(required=False)
    assignment_group = serializers.PrimaryKeyRelatedField(
        queryset=SupportGroup.objects.all(), required=False
    )
    approvers = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), many=True, required=False
    )
    approver_group = serializers.PrimaryKeyRelatedField(
        queryset=SupportGroup.objects.all(), required=False
    )
    fixes_problem = serializers.SlugRelatedField(
        slug_field="number", queryset=Problem.objects.all(), required=False
    )
    version = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs):
        if not self.partial and "template" not in attrs:
            missing = {
                name: [ErrorDetail(_("This field is required."), code="required")]
                for name in ("title", "service")
                if name not in attrs
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


class ChangeTransitionInputSerializer(serializers.Serializer):
    acknowledge_conflicts = serializers.BooleanField(required=False, default=False)
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)
    review_notes = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    resolve_problem = serializers.BooleanField(required=False, default=False)
    cancel_reason = StrictCharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, min_value=1)


class DecisionInputSerializer(serializers.Serializer):
    comment = StrictCharField(required=False, allow_blank=True, default="")


class ConflictOutputSerializer(serializers.ModelSerializer):
    service = ServiceRefSerializer(read_only=True)

    class Meta:
        model = Change
        fields = ["number", "title", "state", "service", "planned_start", "planned_end"]
        read_only_fields = fields


class TemplateOutputSerializer(serializers.ModelSerializer):
    service = ServiceRefSerializer(read_only=True)

    class Meta:
        model = ChangeTemplate
        fields = [
            "id",
            "name",
            "title",
            "description",
            "service",
            "implementation_plan",
            "backout_plan",
            "test_plan",
            "is_active",
            "version",
        ]
        read_only_fields = fields


class FreezeWindowSerializer(serializers.ModelSerializer):
    services = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.all(), many=True, required=False
    )
    name = StrictCharField(max_length=150)
    start = CalendarDateTimeField()
    end = CalendarDateTimeField()

    class Meta:
        model = FreezeWindow
        fields = ["id", "name", "start", "end", "services", "reason"]
        read_only_fields = ["id"]
