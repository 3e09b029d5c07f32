"""Request size limits answered with 413 before anything reads the body.

Django would read up to DATA_UPLOAD_MAX_MEMORY_SIZE and then answer 400 (RequestDataTooBig);
an upload is allowed ATTACHMENT_MAX_BYTES plus room for the form around it. A body announced
larger than its limit gets 413 Payload Too Large at once: JSON under /api/, a page elsewhere.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.exceptions import error_body

FORM_ROOM = 64 * 1024  # the other fields and the multipart framing around an upload


def request_body_limit(request: HttpRequest) -> int:
    """The most bytes this request may carry."""
    if request.content_type == "multipart/form-data":
        return settings.ATTACHMENT_MAX_BYTES + FORM_ROOM
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = request_body_limit(request)
        if length > limit:
            message = _("The request is too large: at most {size} MB.").format(
                size=round(limit / 1024 / 1024, 1)
            )
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("request_too_large", message), status=413)
            response = render(request, "413.html", {"message": message}, status=413)
            return response
        return self.get_response(request)
