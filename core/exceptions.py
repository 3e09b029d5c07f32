"""Domain errors: a stable snake_case code, a translated message, an HTTP status.

The UI shows `message`; the API answers `status` with the code in its JSON error body.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refused operation: stable `code`, human `message`, optional `field`."""

    status = 422
    default_code = "domain_error"
    default_message = _("The operation was refused.")

    def __init__(
        self,
        code: str | None = None,
        message: object = None,
        *,
        field: str | None = None,
        status: int | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.message = str(message if message is not None else self.default_message)
        self.field = field
        if status is not None:
            self.status = status
        super().__init__(self.message)


class NotFound(DomainError):
    """The record does not exist or the actor may not see it (no difference is shown)."""

    status = 404
    default_code = "not_found"
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    """The actor is not allowed to do this."""

    status = 403
    default_code = "permission_denied"
    default_message = _("You do not have permission to do this.")


class TransitionRefused(DomainError):
    """A workflow transition was refused; `code` names the rule that refused it."""

    status = 409
    default_code = "transition_not_allowed"
    default_message = _("This transition is not allowed now.")

    def __init__(
        self, rule: str, message: object = None, *, field: str | None = None, status: int = 409
    ) -> None:
        super().__init__(rule, message, field=field, status=status)
        self.rule = rule


class VersionConflict(DomainError):
    """The record changed since the client read it (optimistic locking)."""

    status = 412
    default_code = "version_conflict"
    default_message = _("The record was changed by someone else. Reload it and try again.")

    def __init__(self, current_version: int | None = None) -> None:
        super().__init__()
        self.current_version = current_version


class PreconditionRequired(DomainError):
    """An update arrived without the version it is based on (If-Match missing)."""

    status = 428
    default_code = "precondition_required"
    default_message = _("Send the If-Match header with the record's ETag to update it.")


def error_body(code: str, detail: object, attr: str | None = None) -> dict[str, object]:
    """The API's error body for one client error (the drf-standardized-errors shape)."""
    return {
        "type": "client_error",
        "errors": [{"code": code, "detail": str(detail), "attr": attr}],
    }
