"""OpenAPI pieces shared by every resource: the error bodies drf-standardized-errors does not
document on its own (409, 412, 413, 415, 422, 428) and the CRUD schema of a service-backed
viewset."""

import re
from typing import Any

from django.db import models
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from drf_standardized_errors.openapi import AutoSchema as StandardizedAutoSchema
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from rest_framework import serializers
from rest_framework.permissions import AllowAny


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
    pattern=r'^(?:"[\x21\x23-\x7e]{1,255}"|[\x21\x23-\x7e]{1,255})$',
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


# 404 bodies carry "not_found" or the domain rule that found nothing (core.exceptions.NotFound
# and DomainError(status=404) across the apps); the schema lists them all.
NOT_FOUND_CODE_CHOICES = [
    ("not_found", "Not found"),
    ("unknown_transition", "No transition of that name"),
    ("incident_not_found", "No such incident"),
    ("incident_not_linked", "The incident is not linked"),
    ("cycle_not_found", "No such cycle"),
]


class Error404Serializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=NOT_FOUND_CODE_CHOICES)
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ErrorResponse404Serializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = Error404Serializer(many=True)


# 403 bodies: "permission_denied" or the rule that refused this actor (DomainError(status=403)).
FORBIDDEN_CODE_CHOICES = [
    ("permission_denied", "Permission denied"),
    ("not_an_approver", "Not an approver of this change"),
    ("self_approval", "Nobody approves their own change"),
    ("caller_only", "Only the caller may do this"),
    ("work_notes_staff_only", "Only support staff write work notes"),
    ("priority_override_not_allowed", "Only a manager may override the priority"),
    ("caller_not_allowed", "Only for yourself"),
    ("token_scope", "The API token's scope does not allow this"),
]


class Error403Serializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=FORBIDDEN_CODE_CHOICES)
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ErrorResponse403Serializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = Error403Serializer(many=True)


# Wall-clock times of day (a TimeField) have no UTC offset, unlike JSON Schema's RFC 3339
# "time" format; say what they are.
TIME_OF_DAY_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"
# A blank e-mail address is "" (the column is optional), which the "email" format refuses.
OPTIONAL_EMAIL_PATTERN = r"^$|^[^@\s]+@[^@\s]+$"
# Error codes a query parameter's validation can give, by the parameter's declared type.
_QUERY_PARAMETER_CODES = {
    "integer": {"invalid", "min_value", "max_value", "max_string_length"},
    "number": {"invalid", "min_value", "max_value", "max_string_length"},
    "string": {"invalid", "blank", "max_length", "invalid_choice"},
    "boolean": {"invalid"},
    "array": {"invalid", "not_a_list", "empty", "min_value", "max_value", "invalid_choice"},
}


def _model_field(field: serializers.Field) -> models.Field | None:
    """The model column a read-only serializer field mirrors, when it mirrors one."""
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    source = getattr(field, "source", None)
    if model is None or not source or "." in source or source == "*":
        return None
    try:
        column = model._meta.get_field(source)
    except Exception:  # a property or a method, not a column
        return None
    return column if isinstance(column, models.Field) and column.concrete else None


class DeskAutoSchema(StandardizedAutoSchema):
    """drf-standardized-errors' schema, truthful about the values responses carry.

    DRF builds read-only model fields without `allow_null`/`allow_blank` even when the column
    is nullable or blank, so the schema promised values ("" for an unset choice, null for an
    absent link) that responses then broke. Read-only fields mirror their column here. It also
    documents the Idempotency-Key header's 400 and the validation errors of declared query
    parameters.
    """

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if field.read_only and direction == "response":
            column = _model_field(field)
            if column is not None:
                if column.null:
                    field.allow_null = True
                if column.blank and hasattr(field, "allow_blank"):
                    field.allow_blank = True
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            del schema["format"]
            schema["pattern"] = TIME_OF_DAY_PATTERN
        if isinstance(field, serializers.EmailField) and getattr(field, "allow_blank", False):
            schema.pop("format", None)
            schema["pattern"] = OPTIONAL_EMAIL_PATTERN
        return schema

    def _should_add_http403_error_response(self) -> bool:
        # Services check permissions themselves (core.services.permission_require), so any
        # operation behind a login can answer 403, not only those with model permissions.
        return super()._should_add_http403_error_response() or not all(
            isinstance(permission, AllowAny) for permission in self.view.get_permissions()
        )

    def _get_validation_error_codes_by_field(self, data_fields):
        # An item of a list of objects can itself be refused ("rca_notes.0": null or not an
        # object), which drf-standardized-errors documents only for the item's fields.
        # The same holds for a nested object or list as a whole ("rca_notes": null).
        codes = super()._get_validation_error_codes_by_field(data_fields)
        suffix = ".non_field_errors"
        for name in [name for name in codes if name.endswith(suffix)]:
            codes[name.removesuffix(suffix)] |= {"null", "invalid", "required", "not_a_list"}
        # Django's form fields refuse a NUL in any text they parse, choice fields included
        # (found by schemathesis on ?assignment_group=…%00…).
        if self.method == "GET":
            for field_codes in codes.values():
                if field_codes & {"invalid_choice", "max_length", "blank"}:
                    field_codes.add("null_characters_not_allowed")
        return codes

    def _get_extra_validation_errors(self) -> dict[str, set[str]]:
        extra = dict(super()._get_extra_validation_errors())
        if self.method in ("POST", "PATCH", "PUT", "DELETE"):
            extra["Idempotency-Key"] = {"idempotency_key_invalid"}
        if self.method == "GET":
            for parameter in self.get_override_parameters():
                if not isinstance(parameter, OpenApiParameter):
                    continue
                if parameter.location != OpenApiParameter.QUERY or parameter.name in extra:
                    continue
                codes = set(_QUERY_PARAMETER_CODES.get(_json_type(parameter.type), {"invalid"}))
                if parameter.many:  # the list's own codes, and each item's as its type's
                    codes |= _QUERY_PARAMETER_CODES["array"]
                if parameter.required:
                    codes.add("required")
                if parameter.enum:
                    codes.add("invalid_choice")
                extra[parameter.name] = codes
                if parameter.many:
                    extra["{name}.INDEX".format(name=parameter.name)] = codes
        return extra


def _json_type(kind: Any) -> str:
    from drf_spectacular.plumbing import build_basic_type, is_basic_type

    if is_basic_type(kind):
        return (build_basic_type(kind) or {}).get("type", "string")
    return "string"


def list_positions_as_patterns(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Postprocessing hook: errors inside lists name the item's position ("rca_notes.0.why")
    where drf-standardized-errors documents a placeholder ("rca_notes.INDEX.why").

    The placeholder becomes a pattern on `attr`, and a union of error bodies that has one
    loses its discriminator on `attr` (a mapping cannot hold every position; the `attr`
    values of the union's members stay distinct, so `oneOf` still picks exactly one).
    """
    schemas = result.get("components", {}).get("schemas", {})
    for schema in schemas.values():
        attr = schema.get("properties", {}).get("attr", {})
        names = attr.get("enum") or []
        if len(names) == 1 and isinstance(names[0], str) and ".INDEX" in names[0]:
            escaped = [re.escape(part) for part in names[0].split(".INDEX")]
            attr.pop("enum")
            attr["pattern"] = "^" + r"\.\d+".join(escaped) + "$"
        discriminator = schema.get("discriminator", {})
        if discriminator.get("propertyName") == "attr" and any(
            ".INDEX" in name for name in discriminator.get("mapping", {})
        ):
            schema.pop("discriminator")
    return result
