"""One JSON error format for every 4xx (drf-standardized-errors), domain errors included.

Body: {"type": "client_error" | "validation_error", "errors": [{"code", "detail", "attr"}]}.
A version conflict (412) also carries the record's current representation and ETag.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_standardized_errors.handler import exception_handler as standardized_handler
from rest_framework import exceptions as drf_exceptions
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response

from core.exceptions import DomainError, VersionConflict


class DomainAPIException(drf_exceptions.APIException):
    """A DomainError carried through DRF with its own status and code."""

    def __init__(self, error: DomainError) -> None:
        self.status_code = error.status
        detail: Any = ErrorDetail(error.message, code=error.code)
        if error.field:
            detail = {error.field: [detail]}
        super().__init__(detail=detail, code=error.code)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map domain and Django validation errors to DRF, then format them uniformly."""
    original = exc
    if isinstance(exc, DomainError):
        exc = DomainAPIException(exc)
    elif isinstance(exc, DjangoValidationError):
        exc = drf_exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    response = standardized_handler(exc, context)
    view = context.get("view")
    if (
        response is not None
        and isinstance(original, VersionConflict)
        and hasattr(view, "conflict_payload")
    ):
        current, etag = view.conflict_payload()
        response.data["current"] = current
        if etag:
            response["ETag"] = etag
    return response
