"""PDCA API serializers: explicit fields; outputs read-only, inputs validated strictly."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from catalog.api.serializers import ServiceRefSerializer, StrictCharField, UserRefSerializer
from changes.models import Change
from incidents.choices import Priority
from pdca.choices import Decision, RecordKind
from pdca.models import (
    ActionCheck,
    Cycle,
    Finding,
    Goal,
    GoalSnapshot,
    ImprovementAction,
    Review,
    StrategicItem,
    Strategy,
)
from problems.models import Problem


def _year_ok(value):
    if value is not None and not 1900 <= value.year <= 9998:
        raise serializers.ValidationError(_("Give a date between 1900 and 9998."))
    return value


class StrategyOutputSerializer(serializers.ModelSerializer):
    owner = UserRefSerializer(read_only=True)
    services = ServiceRefSerializer(many=True, read_only=True)

    class Meta:
        model = Strategy
        fields = [
            "id", "name", "vision", "objectives", "owner", "horizon_start", "horizon_end",
            "services", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class StrategyInputSerializer(serializers.ModelSerializer):
    name = StrictCharField(max_length=150)
    vision = StrictCharField()
    objectives = StrictCharField(required=False, allow_blank=True)

    class Meta:
        model = Strategy
        fields = [
            "name", "vision", "objectives", "owner", "horizon_start", "horizon_end", "services",
        ]  # fmt: skip
        validators = []  # uniqueness is the service's (and the database's) job

    def validate_horizon_start(self, value):
        return _year_ok(value)

    def validate_horizon_end(self, value):
        return _year_ok(value)

    def validate(self, attrs):
        start = attrs.get("horizon_start", getattr(self.instance, "horizon_start", None))
        end = attrs.get("horizon_end", getattr(self.instance, "horizon_end", None))
        if start and end and end <= start:
            raise serializers.ValidationError(
                {"horizon_end": [_("The horizon must end after it starts.")]}
            )
        return attrs


class StrategyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Strategy
        fields = ["id", "name"]
        read_only_fields = fields


class CycleOutputSerializer(serializers.ModelSerializer):
    strategy = StrategyRefSerializer(read_only=True)

    class Meta:
        model = Cycle
        fields = [
            "id", "strategy", "name", "start", "end", "review_days", "phase", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class CycleInputSerializer(serializers.ModelSerializer):
    name = StrictCharField(max_length=150)
    review_days = serializers.IntegerField(min_value=1, max_value=366, required=False)

    class Meta:
        model = Cycle
        fields = ["strategy", "name", "start", "end", "review_days", "phase"]

    def validate_start(self, value):
        return _year_ok(value)

    def validate_end(self, value):
        return _year_ok(value)

    def validate(self, attrs):
        start = attrs.get("start", getattr(self.instance, "start", None))
        end = attrs.get("end", getattr(self.instance, "end", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"end": [_("The cycle must end after it starts.")]})
        return attrs


class CycleRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cycle
        fields = ["id", "name"]
        read_only_fields = fields


class GoalOutputSerializer(serializers.ModelSerializer):
    cycle = CycleRefSerializer(read_only=True)
    services = ServiceRefSerializer(many=True, read_only=True)
    priorities = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = Goal
        fields = [
            "id", "cycle", "name", "kpi", "target", "direction", "services", "priorities",
            "aged_days", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class GoalInputSerializer(serializers.ModelSerializer):
    name = StrictCharField(max_length=200)
    target = serializers.FloatField(
        min_value=-1e9,
        max_value=1e9,
        error_messages={"required": _("Give the target the KPI must reach.")},
    )
    priorities = serializers.ListField(
        child=serializers.ChoiceField(choices=Priority.values), required=False, max_length=5
    )
    aged_days = serializers.IntegerField(min_value=1, max_value=3650, required=False)

    class Meta:
        model = Goal
        fields = [
            "cycle", "name", "kpi", "target", "direction", "services", "priorities", "aged_days",
        ]  # fmt: skip
        extra_kwargs = {
            "kpi": {"error_messages": {"required": _("Choose the KPI the goal is measured by.")}}
        }

    def validate_priorities(self, value):
        return sorted({int(v) for v in value})


class GoalRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Goal
        fields = ["id", "name", "kpi"]
        read_only_fields = fields


class RecordRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)


class ActionCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActionCheck
        fields = [
            "id", "review", "action", "window_days", "before_value", "after_value", "before_n",
            "after_n", "test", "p_value", "verdict",
        ]  # fmt: skip
        read_only_fields = fields


class ImprovementActionOutputSerializer(serializers.ModelSerializer):
    owner = UserRefSerializer(read_only=True)
    goal = GoalRefSerializer(read_only=True, allow_null=True)
    problem = RecordRefSerializer(read_only=True, allow_null=True)
    change = RecordRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ImprovementAction
        fields = [
            "id", "title", "description", "owner", "due_date", "status", "expected_benefit",
            "goal", "problem", "change", "completed_at", "source_finding", "verdict",
            "verdict_at", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ImprovementActionInputSerializer(serializers.ModelSerializer):
    title = StrictCharField(max_length=200)
    description = StrictCharField(required=False, allow_blank=True)
    expected_benefit = StrictCharField(required=False, allow_blank=True)
    problem = serializers.SlugRelatedField(
        slug_field="number", queryset=Problem.objects.all(), required=False, allow_null=True
    )
    change = serializers.SlugRelatedField(
        slug_field="number", queryset=Change.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = ImprovementAction
        fields = [
            "title", "description", "owner", "due_date", "status", "expected_benefit", "goal",
            "problem", "change",
        ]  # fmt: skip

    def validate_due_date(self, value):
        return _year_ok(value)


class SnapshotSerializer(serializers.ModelSerializer):
    goal = GoalRefSerializer(read_only=True)

    class Meta:
        model = GoalSnapshot
        fields = ["goal", "value", "sample", "target", "status", "trend"]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["id", "kind", "text", "strategic", "goal", "url", "action"]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    cycle = CycleRefSerializer(read_only=True)
    snapshots = SnapshotSerializer(many=True, read_only=True)
    findings = FindingSerializer(many=True, read_only=True)
    action_checks = ActionCheckSerializer(many=True, read_only=True)

    class Meta:
        model = Review
        fields = [
            "id", "cycle", "period_start", "period_end", "created_at", "on_demand", "snapshots",
            "findings", "action_checks",
        ]  # fmt: skip
        read_only_fields = fields


class StrategicItemSerializer(serializers.ModelSerializer):
    incident = RecordRefSerializer(read_only=True, allow_null=True)
    problem = RecordRefSerializer(read_only=True, allow_null=True)
    change = RecordRefSerializer(read_only=True, allow_null=True)
    goal = GoalRefSerializer(read_only=True, allow_null=True)
    raised_by = UserRefSerializer(read_only=True, allow_null=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = StrategicItem
        fields = [
            "id", "kind", "title", "reason", "incident", "problem", "change", "goal",
            "finding", "raised_by", "raised_at", "decision", "decision_note", "decided_by",
            "decided_at", "action",
        ]  # fmt: skip
        read_only_fields = fields


class TriageInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RecordKind.choices)
    number = StrictCharField(max_length=16, help_text="The record's number, e.g. INC0000001")
    reason = StrictCharField(max_length=2000)


class DecideInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    note = StrictCharField(max_length=4000)
    new_target = serializers.FloatField(
        required=False, allow_null=True, min_value=-1e9, max_value=1e9
    )


class RecordCycleInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RecordKind.choices)
    number = StrictCharField(max_length=16, help_text="The record's number, e.g. PRB0000001")
    cycle = serializers.PrimaryKeyRelatedField(
        queryset=Cycle.objects.all(),
        allow_null=True,
        help_text="null: back to the automatic link (the cycle covering its date and service)",
    )


class RecordCycleOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    number = serializers.CharField()
    cycle = CycleRefSerializer(allow_null=True)
    manual = serializers.BooleanField()
