"""Idempotency-Key for API writes (RELIABILITY §B2, draft-ietf-httpapi-idempotency-key).

The key is scoped to (principal, method, route template). The first request runs inside one
transaction with its stored answer, so both commit or neither does; 5xx and 4xx answers are
not stored (a corrected request may reuse the key). A repeat with the same fingerprint gets
the stored answer with `Idempotent-Replayed: true`; a different body gets 422; a repeat while
the first is still running gets 409 (PostgreSQL advisory lock; SQLite serialises writers, so
the repeat waits and then replays).
"""

import contextlib
import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import error_body
from core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(
    r'^(?:"([\x21\x23-\x7e]{1,255})"|([\x21\x23-\x7e]{1,255}))$'
)  # sf-string or token
WRITE_METHODS = {"POST", "PATCH"}  # §B2: GET, PUT and DELETE are idempotent by definition
RETENTION = timedelta(hours=24)


def _principal(request: HttpRequest) -> str:
    """Who sent the request, as the API will authenticate it: the token's user, else the
    session user. An unknown header (e.g. a Bearer the API ignores) never forms a scope of
    its own, so nobody can receive another client's stored answer."""
    from rest_framework.authtoken.models import Token

    keyword, _sep, key = request.headers.get("Authorization", "").partition(" ")
    if keyword == "Bearer" and key.strip().startswith("dsk_"):
        # The desk's API tokens (integrations.api.authentication): scoped by the token itself,
        # which only its holder can present; an invalid one is refused (401, never stored).
        return "bearer:" + hashlib.sha256(key.strip().encode()).hexdigest()
    if keyword == "Token" and key.strip():
        user_id = Token.objects.filter(key=key.strip()).values_list("user_id", flat=True).first()
        return "user:{pk}".format(pk=user_id) if user_id else "invalid-token"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return "user:{pk}".format(pk=user.pk)
    return "anonymous"


def _fingerprint(request: HttpRequest) -> str:
    body = request.body
    with contextlib.suppress(ValueError, UnicodeDecodeError):  # not JSON: the raw bytes count
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256()
    for part in (
        request.method.encode(),
        request.path.encode(),
        request.content_type.encode(),
        body,
    ):
        digest.update(part)
        digest.update(b"\x00")
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.body), status=record.status, content_type=record.content_type
    )
    response["Idempotent-Replayed"] = "true"
    if record.location:
        response["Location"] = record.location
    if record.etag:
        response["ETag"] = record.etag
    return response


class IdempotencyMiddleware:
    """Applies Idempotency-Key to writes under /api/ and /tmf-api/."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = request.headers.get(HEADER)
        if (
            raw is None
            or request.method not in WRITE_METHODS
            or not request.path.startswith(("/api/", "/tmf-api/"))
        ):
            return self.get_response(request)
        match = KEY_PATTERN.match(raw.strip())
        if not match:
            body = error_body(
                "idempotency_key_invalid",
                _("The Idempotency-Key must be 1–255 printable ASCII characters."),
                HEADER,
            )
            # A malformed input value, like a field's: documented as a validation error.
            return JsonResponse({**body, "type": "validation_error"}, status=400)
        try:
            route = resolve(request.path_info).route
        except Resolver404:
            return self.get_response(request)
        scope = {
            "principal": _principal(request),
            "method": request.method,
            "route": route,
            "key": match.group(1) or match.group(2),
        }
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                lock = int(
                    hashlib.sha256(json.dumps(scope, sort_keys=True).encode()).hexdigest()[:15], 16
                )
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock])
                    if not cursor.fetchone()[0]:
                        response = JsonResponse(
                            error_body(
                                "idempotency_key_in_use",
                                _("A request with this Idempotency-Key is still running."),
                            ),
                            status=409,
                        )
                        response["Retry-After"] = "1"
                        return response
            record = IdempotencyRecord.objects.filter(
                **scope, created_at__gte=timezone.now() - RETENTION
            ).first()
            if record is not None:
                if record.fingerprint != fingerprint:
                    return JsonResponse(
                        error_body(
                            "idempotency_key_reused",
                            _("This Idempotency-Key was used for a different request."),
                        ),
                        status=422,
                    )
                return _replay(record)
            IdempotencyRecord.objects.filter(**scope).delete()  # an expired record: a new request
            response = self.get_response(request)
            if response.status_code >= 500:
                # RELIABILITY §B2: a failed request leaves nothing, so a retry runs afresh.
                transaction.set_rollback(True)
                return response
            if 200 <= response.status_code < 300 and not response.streaming:
                try:
                    with transaction.atomic():
                        IdempotencyRecord.objects.create(
                            **scope,
                            fingerprint=fingerprint,
                            status=response.status_code,
                            body=response.content,
                            content_type=response.get("Content-Type", "application/json"),
                            location=response.get("Location", ""),
                            etag=response.get("ETag", ""),
                        )
                except IntegrityError:
                    pass  # stored by a concurrent twin; the unique constraint kept one
        return response


def idempotency_purge(*, now=None) -> int:
    """Forget keys older than the retention period (24 h)."""
    now = now or timezone.now()
    deleted, _count = IdempotencyRecord.objects.filter(created_at__lt=now - RETENTION).delete()
    return deleted
