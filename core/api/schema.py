"""OpenAPI pieces shared by every resource: the error bodies drf-standardized-errors does not
document on its own (409, 412, 413, 415, 422, 428) and the CRUD schema of a service-backed
viewset."""

from typing import Any

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers


class ClientErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable snake_case rule name, e.g. version_conflict.")
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ClientErrorResponseSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="client_error or validation_error")
    errors = ClientErrorSerializer(many=True)


class ConflictResponseSerializer(ClientErrorResponseSerializer):
    current = serializers.DictField(help_text="The record as it is now, to merge and retry.")


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag from the last read, e.g. "svc-3-v2". Missing: 428; stale: 412.',
)

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Retry safely: the same key and body within 24 h replay the first answer "
    "(Idempotent-Replayed: true); a different body gets 422; a repeat while the first still "
    "runs gets 409. Keys are scoped per client, method and route.",
)

PRECONDITION_RESPONSES = {
    412: OpenApiResponse(ConflictResponseSerializer, description="The record changed since read."),
    428: OpenApiResponse(ClientErrorResponseSerializer, description="If-Match is missing."),
}
RULE_RESPONSES = {
    409: OpenApiResponse(ClientErrorResponseSerializer, description="Refused in this state."),
    422: OpenApiResponse(ClientErrorResponseSerializer, description="A rule refused the input."),
}


def crud_schema(input_serializer: Any, output_serializer: Any) -> Any:
    """The schema of a ServiceBackedViewSet: input in, output out, preconditions on PATCH."""
    return extend_schema_view(
        create=extend_schema(
            request=input_serializer,
            parameters=[IDEMPOTENCY_KEY],
            responses={201: output_serializer, **RULE_RESPONSES},
        ),
        partial_update=extend_schema(
            request=input_serializer,
            parameters=[IF_MATCH, IDEMPOTENCY_KEY],
            responses={200: output_serializer, **RULE_RESPONSES, **PRECONDITION_RESPONSES},
        ),
    )
