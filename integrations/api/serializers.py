from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from integrations.models import ApiToken, Integration, TokenScope


class ApiTokenSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    integration = serializers.PrimaryKeyRelatedField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "kind",
            "scope",
            "user",
            "integration",
            "prefix",
            "created_at",
            "last_used_at",
            "revoked_at",
            "is_active",
        ]
        read_only_fields = fields


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text="The secret: shown only in this answer, never again."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class ApiTokenInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(choices=TokenScope.choices)
    integration = serializers.PrimaryKeyRelatedField(
        queryset=Integration.objects.all(),
        required=False,
        allow_null=True,
        help_text="For an integration token (managers); empty for a personal token.",
    )


# --- inbound alerts -------------------------------------------------------------------------


def _alert_status(value: str) -> None:
    if value not in ("firing", "resolved"):
        raise serializers.ValidationError(
            _('"{v}" is not a status: use "firing" or "resolved".').format(v=value[:20]),
            code="invalid_choice",
        )


class AlertmanagerAlertSerializer(serializers.Serializer):
    status = serializers.CharField(validators=[_alert_status], help_text="firing or resolved")
    labels = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=10000), required=False
    )
    annotations = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=10000), required=False
    )
    startsAt = serializers.CharField(required=False, allow_blank=True, max_length=64)  # noqa: N815
    endsAt = serializers.CharField(required=False, allow_blank=True, max_length=64)  # noqa: N815
    generatorURL = serializers.CharField(required=False, allow_blank=True, max_length=2000)  # noqa: N815
    fingerprint = serializers.CharField(max_length=200)


class AlertmanagerPayloadSerializer(serializers.Serializer):
    """Alertmanager's webhook body (version 4). Each alert is handled by its own status and
    fingerprint; the group's fields are kept only for the record."""

    version = serializers.CharField(help_text='Must be "4".')
    status = serializers.CharField(required=False, allow_blank=True)
    receiver = serializers.CharField(required=False, allow_blank=True)
    groupKey = serializers.CharField(required=False, allow_blank=True)  # noqa: N815
    externalURL = serializers.CharField(required=False, allow_blank=True)  # noqa: N815
    truncatedAlerts = serializers.IntegerField(required=False, min_value=0)  # noqa: N815
    groupLabels = serializers.DictField(required=False)  # noqa: N815
    commonLabels = serializers.DictField(required=False)  # noqa: N815
    commonAnnotations = serializers.DictField(required=False)  # noqa: N815
    alerts = AlertmanagerAlertSerializer(many=True, max_length=10000)

    def validate_version(self, value):
        if value != "4":
            raise serializers.ValidationError(
                _('Only Alertmanager webhook payload version "4" is supported, not "{v}".').format(
                    v=value[:20]
                ),
                code="unsupported_version",
            )
        return value


class EventSerializer(serializers.Serializer):
    """One event from any tool. Send the same `key` for the same problem: the first
    `firing` event opens an incident, repeats add work notes to it, `resolved` resolves it."""

    key = serializers.CharField(
        max_length=200, help_text="Your stable identifier of this problem (dedup key)."
    )
    status = serializers.CharField(
        default="firing", validators=[_alert_status], help_text="firing (default) or resolved"
    )
    title = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Needed when firing."
    )
    description = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    labels = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=1000),
        required=False,
        help_text="Matched by the integration's mapping rules (service, CI, impact, urgency).",
    )
    url = serializers.URLField(max_length=1000, required=False, allow_blank=True)
    occurred_at = serializers.DateTimeField(required=False)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown field.")] for name in unknown}, code="unknown_field"
                )
        return super().to_internal_value(data)

    def validate(self, attrs):
        if attrs.get("status", "firing") == "firing" and not attrs.get("title", "").strip():
            raise serializers.ValidationError(
                {"title": [_("A firing event needs a title.")]}, code="required"
            )
        return attrs


class AlertsReceivedSerializer(serializers.Serializer):
    """Accepted: the alerts are stored and processed in order per key within seconds."""

    received = serializers.IntegerField(help_text="How many alerts were stored.")
    ids = serializers.ListField(
        child=serializers.IntegerField(), help_text="The stored alerts' ids, in order."
    )
