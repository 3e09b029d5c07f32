"""API-wide views: the JSON 404 for unknown /api/ paths."""

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from core.exceptions import error_body


@csrf_exempt  # it changes nothing; a POST to a wrong path deserves a 404, not a CSRF 403
def api_not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Answer unknown API paths in the API's error format, not with an HTML page."""
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)
