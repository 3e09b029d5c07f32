from rest_framework import serializers

from sla.models import SlaPolicy, SlaTarget


class SlaTargetOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = SlaTarget
        fields = ["priority", "response_minutes", "resolution_minutes"]
        read_only_fields = fields


class SlaPolicyOutputSerializer(serializers.ModelSerializer):
    targets = SlaTargetOutputSerializer(many=True, read_only=True)

    class Meta:
        model = SlaPolicy
        fields = [
            "id", "name", "description", "is_default", "time_zone", "always_on", "work_days",
            "work_start", "work_end", "break_start", "break_end", "holiday_country", "targets",
            "version",
        ]  # fmt: skip
        read_only_fields = fields
