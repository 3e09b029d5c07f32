"""TMF621 endpoints: thin views over the incident selectors and the TMF621 services.

Every error is the specification's Error object: {"code", "reason", "message", "status"}
with `status` as a string, as the v4 swagger file defines it.
"""

import re
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions as drf_exceptions
from rest_framework.parsers import JSONParser
from rest_framework.permissions import DjangoModelPermissions, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from core.exceptions import DomainError, VersionConflict
from incidents.models import Incident, IncidentComment
from incidents.selectors import incident_list
from integrations.tmf621 import mapping, services

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
ETAG_PREFIX = "inc"  # the same tags as /api/v1/incidents/, so both APIs agree on versions
_TAG = re.compile(r'^(?:W/)?"(?P<prefix>[a-z]+)-(?P<pk>\d+)-v(?P<version>\d+)"$')
_STATUS_CODES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "notFound",
    405: "methodNotAllowed",
    406: "notAcceptable",
    409: "conflict",
    412: "preconditionFailed",
    413: "payloadTooLarge",
    415: "unsupportedMediaType",
    429: "tooManyRequests",
}


def tmf_error(status: int, code: str, reason: str, message: str = "") -> dict[str, Any]:
    """The TMF Error object."""
    body = {"code": code, "reason": reason, "status": str(status), "@type": "Error"}
    if message:
        body["message"] = message
    return body


def _flatten(detail: Any, prefix: str = "") -> list[str]:
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            out += _flatten(value, "{p}{k}".format(p=prefix + "." if prefix else "", k=name))
        return out
    if isinstance(detail, list | tuple):
        return [line for item in detail for line in _flatten(item, prefix)]
    return ["{p}: {d}".format(p=prefix, d=detail) if prefix else str(detail)]


def tmf_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every refusal as a TMF Error; unknown exceptions propagate (a real 500)."""
    headers: dict[str, str] = {}
    if isinstance(exc, DomainError):
        status = 400 if exc.status == 422 else exc.status
        message = exc.message
        if isinstance(exc, VersionConflict):
            message = _("{message} The current version is {version}.").format(
                message=exc.message, version=exc.current_version
            )
        elif exc.field:
            message = "{field}: {message}".format(field=exc.field, message=exc.message)
        body = tmf_error(status, exc.code, _STATUS_CODES.get(status, "error"), message)
    elif isinstance(exc, DjangoValidationError):
        status = 400
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        body = tmf_error(status, "invalid", "badRequest", "; ".join(_flatten(detail)))
    elif isinstance(exc, Http404):
        status = 404
        body = tmf_error(status, "not_found", "notFound", _("No such trouble ticket."))
    elif isinstance(exc, drf_exceptions.APIException):
        status = exc.status_code
        if isinstance(
            exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed
        ) and getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if isinstance(exc, drf_exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait) + 1)
        code = exc.get_codes()
        code = code if isinstance(code, str) else "invalid"
        body = tmf_error(
            status, code, _STATUS_CODES.get(status, "error"), "; ".join(_flatten(exc.detail))
        )
    else:
        return None
    return Response(body, status=status, headers=headers)


class MergePatchJSONParser(JSONParser):
    """RFC 7396 bodies: TMF630 makes application/merge-patch+json the PATCH format."""

    media_type = "application/merge-patch+json"


def _if_match(request: Request, incident_pk: int) -> int | None:
    """The version named by If-Match, None without one. Raises: version_conflict."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    for candidate in (part.strip() for part in header.split(",")):
        match = _TAG.match(candidate)
        if match and match["prefix"] == ETAG_PREFIX and int(match["pk"]) == incident_pk:
            return int(match["version"])
    current = Incident.objects.filter(pk=incident_pk).values_list("version", flat=True).first()
    raise VersionConflict(current_version=current)


def _etag(incident: Incident) -> str:
    return '"{p}-{pk}-v{v}"'.format(p=ETAG_PREFIX, pk=incident.pk, v=incident.version)


@extend_schema(exclude=True)  # documented by the TMF621 specification itself
class TroubleTicketBase(APIView):
    parser_classes = [JSONParser, MergePatchJSONParser]
    renderer_classes = [JSONRenderer]

    def get_permissions(self):
        # The project's default gates (API token scopes) apply here too; model permissions
        # are the incident services' business (a requester may open and follow tickets).
        return [
            IsAuthenticated(),
            *(
                permission()
                for permission in api_settings.DEFAULT_PERMISSION_CLASSES
                if not issubclass(permission, DjangoModelPermissions)
            ),
        ]

    def get_exception_handler(self):
        return tmf_exception_handler

    def base_href(self) -> str:
        """The collection's absolute address as the client called it, ending in a slash."""
        path = self.request.path
        root = path[: path.index("/troubleTicket", len("/tmf-api/")) + len("/troubleTicket")]
        return self.request.build_absolute_uri(root + "/")

    def queryset(self):
        notes = IncidentComment.objects.filter(kind="comment").select_related("author")
        return (
            incident_list(actor=self.request.user)
            .select_related("parent")
            .prefetch_related(
                "cis",
                "attachments",
                Prefetch(
                    "comments", queryset=notes.order_by("created_at", "pk"), to_attr="tmf_notes"
                ),
            )
        )

    def fields_param(self) -> set[str] | None:
        raw = self.request.query_params.get("fields")
        if raw is None:
            return None
        return {f.strip() for f in raw.split(",") if f.strip()}

    def represent(self, incidents: list[Incident]) -> list[dict[str, Any]]:
        """Representations of a page of incidents; the history is read in one query."""
        histories: dict[int, list[dict[str, Any]]] = {i.pk: [] for i in incidents}
        rows = (
            Incident.history.model.objects.filter(id__in=list(histories))
            .order_by("history_date", "history_id")
            .values(
                "id", "history_date", "state", "hold_reason", "resolution_notes", "cancel_reason"
            )
        )
        for row in rows:
            histories[row["id"]].append(row)
        base = self.base_href()
        fields = self.fields_param()

        def attachment_url(incident: Incident, attachment: Any) -> str:
            return self.request.build_absolute_uri(
                reverse(
                    "incidents:incident_attachment_download", args=[incident.number, attachment.pk]
                )
            )

        return [
            mapping.fields_select(
                mapping.ticket_representation(
                    incident,
                    href=base + incident.number,
                    base_href=base,
                    history=histories[incident.pk],
                    attachment_url=attachment_url,
                ),
                fields,
            )
            for incident in incidents
        ]

    def one(self, number: str) -> Incident:
        incident = self.queryset().filter(number=number).order_by().first()
        if incident is None:
            raise Http404
        return incident

    def answer(self, incident: Incident, status: int = 200) -> Response:
        incident = self.one(incident.number)
        response = Response(self.represent([incident])[0], status=status)
        response["ETag"] = _etag(incident)
        return response


def _non_negative(request: Request, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()):  # "²".isdigit() is True
        raise DomainError(
            "invalid_" + name,
            _("{name} must be a whole number ≥ 0.").format(name=name),
            field=name,
            status=400,
        )
    value = int(raw)
    return min(value, maximum) if maximum is not None else value


_DATE_FIELDS = {"lastUpdate": "updated_at", "creationDate": "opened_at"}
_OPERATORS = {"gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte"}


def _date_filters(request: Request, queryset: Any) -> Any:
    """TMF630 operators on dates, e.g. lastUpdate.gt=2026-11-25T10:00:00Z (to poll changes)."""
    for param, raw in request.query_params.items():
        name, _dot, operator = param.partition(".")
        if name not in _DATE_FIELDS or operator not in _OPERATORS:
            continue
        try:
            # An unencoded "+01:00" arrives as " 01:00": read it as meant.
            value = datetime.fromisoformat(raw.strip().replace(" ", "+"))
            if value.tzinfo is not None:
                value.astimezone(UTC)  # 0001-01-01T00:00+01:00 is before year 1 in UTC
        except (ValueError, OverflowError):
            value = None
        if value is None or value.tzinfo is None:
            raise DomainError(
                "invalid_" + name,
                _("{param} needs a date-time with a zone, e.g. 2026-11-25T10:00:00Z.").format(
                    param=param
                ),
                field=param,
                status=400,
            )
        lookup = "{f}__{op}".format(f=_DATE_FIELDS[name], op=_OPERATORS[operator])
        queryset = queryset.filter(**{lookup: value})
    return queryset


_SORT_FIELDS = {
    "id": "number",
    "lastUpdate": "updated_at",
    "creationDate": "opened_at",
    "priority": "priority",
    "severity": "impact",
    "name": "title",
}


def _sort_keys(raw: str) -> list[str]:
    """TMF630 sort: comma-separated attributes, "-" for descending, e.g. -lastUpdate,id."""
    keys = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        name = part.lstrip("+-")
        if name not in _SORT_FIELDS:
            raise DomainError(
                "invalid_sort",
                _("Sort by one of {fields}.").format(fields=", ".join(_SORT_FIELDS)),
                field="sort",
                status=400,
            )
        keys.append(("-" if part.startswith("-") else "") + _SORT_FIELDS[name])
    return keys


class TroubleTicketListView(TroubleTicketBase):
    http_method_names = ["get", "post", "head", "options"]

    def get(self, request: Request) -> Response:
        offset = _non_negative(request, "offset", 0, 10**9)
        limit = _non_negative(request, "limit", DEFAULT_LIMIT, MAX_LIMIT)
        queryset = self.queryset()
        statuses = request.query_params.get("status")
        if statuses:
            queryset = queryset.filter(mapping.status_filter(statuses.split(",")))
        severity = request.query_params.get("severity")
        if severity:
            impacts = [mapping.SEVERITY_IN.get(v.strip().lower()) for v in severity.split(",")]
            if None in impacts:
                raise DomainError("invalid_severity", _("Unknown severity."), status=400)
            queryset = queryset.filter(impact__in=impacts)
        priority = request.query_params.get("priority")
        if priority:
            wanted = {v.strip().lower() for v in priority.split(",")}
            levels = [p for p, name in mapping.PRIORITY_OUT.items() if name.lower() in wanted]
            if len(levels) != len(wanted):
                raise DomainError("invalid_priority", _("Unknown priority."), status=400)
            queryset = queryset.filter(priority__in=levels)
        queryset = _date_filters(request, queryset)
        sort = request.query_params.get("sort")
        if sort:
            queryset = queryset.order_by(*_sort_keys(sort), "-pk")
        total = queryset.count()
        page = list(queryset[offset : offset + limit]) if limit else []
        response = Response(self.represent(page))
        response["X-Total-Count"] = str(total)
        response["X-Result-Count"] = str(len(page))
        return response

    def post(self, request: Request) -> Response:
        ticket = mapping.ticket_parse(request.data, creating=True, actor=request.user)
        incident = services.trouble_ticket_create(actor=request.user, ticket=ticket)
        response = self.answer(incident, status=201)
        response["Location"] = response.data["href"]
        return response


class TroubleTicketDetailView(TroubleTicketBase):
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get(self, request: Request, number: str) -> Response:
        return self.answer(self.one(number))

    def patch(self, request: Request, number: str) -> Response:
        incident = self.one(number)
        expected = _if_match(request, incident.pk)
        ticket = mapping.ticket_parse(request.data, creating=False, actor=request.user)
        incident = services.trouble_ticket_update(
            actor=request.user, number=number, expected_version=expected, ticket=ticket
        )
        return self.answer(incident)

    def delete(self, request: Request, number: str) -> Response:
        self.one(number)  # 404 first for what the client may not see
        raise drf_exceptions.MethodNotAllowed(
            "DELETE", detail=_("Trouble tickets are cancelled or closed, never deleted.")
        )


@csrf_exempt  # it changes nothing
def tmf_not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Unknown TMF paths (hub, listeners, other resources) as a TMF Error."""
    return JsonResponse(
        tmf_error(404, "not_found", "notFound", _("This resource is not provided here.")),
        status=404,
    )
