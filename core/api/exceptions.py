"""One JSON error format for every 4xx (drf-standardized-errors), domain errors included.

Body: {"type": "client_error" | "validation_error", "errors": [{"code", "detail", "attr"}]}.
A version conflict (412) also carries the record's current representation and ETag. This
plugs into drf-standardized-errors as its EXCEPTION_HANDLER_CLASS, so its OpenAPI hooks
still document the error responses.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _
from drf_standardized_errors.handler import ExceptionHandler
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


class DatabaseUnavailable(drf_exceptions.APIException):
    """The database did not answer (restarting, failing over): retry shortly."""

    status_code = 503
    default_detail = _("The service is briefly unavailable. Try again in a few seconds.")
    default_code = "database_unavailable"


class DeskExceptionHandler(ExceptionHandler):
    """Maps domain and Django validation errors to DRF before formatting them."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, DomainError):
            return DomainAPIException(exc)
        if isinstance(exc, (OperationalError, InterfaceError)):
            # A lost connection, not a bug: the next request reconnects (CONN_HEALTH_CHECKS).
            return DatabaseUnavailable()
        if isinstance(exc, DjangoValidationError):
            return drf_exceptions.ValidationError(
                detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            )
        return super().convert_known_exceptions(exc)

    def get_response(self, exc: drf_exceptions.APIException, data: dict) -> Response:
        response = super().get_response(exc, data)
        if isinstance(exc, DatabaseUnavailable):
            response["Retry-After"] = "2"
        view = self.context.get("view")
        if isinstance(self.exc, VersionConflict) and hasattr(view, "conflict_payload"):
            current, etag = view.conflict_payload()
            response.data["current"] = current
            if etag:
                response["ETag"] = etag
        return response
