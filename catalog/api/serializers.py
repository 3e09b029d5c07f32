"""Catalog API serializers: explicit fields; outputs read-only, inputs validated strictly."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from catalog.models import ConfigurationItem, Service, SupportGroup

User = get_user_model()


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and other non-strings (DEPENDENCIES §5.7)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class UserRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name"]
        read_only_fields = fields


class SupportGroupRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupportGroup
        fields = ["id", "name"]
        read_only_fields = fields


class ServiceRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["id", "name"]
        read_only_fields = fields


class ServiceOutputSerializer(serializers.ModelSerializer):
    owner = UserRefSerializer(read_only=True)
    support_group = SupportGroupRefSerializer(read_only=True)
    ci_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = Service
        fields = [
            "id", "name", "description", "owner", "support_group", "criticality", "sla_policy",
            "lifecycle", "ci_count", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ServiceInputSerializer(serializers.ModelSerializer):
    name = StrictCharField(max_length=100)
    description = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)

    class Meta:
        model = Service
        fields = [
            "name", "description", "owner", "support_group", "criticality", "sla_policy",
            "lifecycle",
        ]  # fmt: skip


class ConfigurationItemOutputSerializer(serializers.ModelSerializer):
    services = ServiceRefSerializer(many=True, read_only=True)

    class Meta:
        model = ConfigurationItem
        fields = [
            "id", "name", "kind", "description", "services", "is_active", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ConfigurationItemInputSerializer(serializers.ModelSerializer):
    name = StrictCharField(max_length=100)
    description = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)

    class Meta:
        model = ConfigurationItem
        fields = ["name", "kind", "description", "services", "is_active"]


class SupportGroupOutputSerializer(serializers.ModelSerializer):
    manager = UserRefSerializer(read_only=True)
    members = UserRefSerializer(many=True, read_only=True)

    class Meta:
        model = SupportGroup
        fields = [
            "id", "name", "description", "email", "manager", "members", "is_active", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class SupportGroupInputSerializer(serializers.ModelSerializer):
    name = StrictCharField(max_length=100)
    description = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)

    class Meta:
        model = SupportGroup
        fields = ["name", "description", "email", "manager", "members", "is_active"]
