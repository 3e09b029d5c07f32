"""Integration API: API tokens (list, create — the secret shown once — and revoke); the
Alertmanager webhook and generic JSON events that open, note and resolve incidents."""

import json
import logging
import math
from datetime import datetime
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import IDEMPOTENCY_KEY, RULE_RESPONSES, ClientErrorResponseSerializer
from core.exceptions import error_body
from integrations import selectors, services
from integrations.api import serializers as s
from integrations.api.authentication import (
    BearerTokenAuthentication,
    IntegrationTokenRequired,
    TokenScopePermission,
)
from integrations.api.throttling import ApiTokenRateThrottle
from integrations.tasks import process_alerts

logger = logging.getLogger(__name__)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your personal API tokens; managers also see and manage integration tokens. DELETE
    revokes a token (it stays listed as revoked)."""

    serializer_class = s.ApiTokenSerializer
    permission_classes = [IsAuthenticated, TokenScopePermission]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.tokens_visible(actor=self.request.user)

    @extend_schema(
        request=s.ApiTokenInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.ApiTokenCreatedSerializer, **RULE_RESPONSES},
    )
    def create(self, request, *args, **kwargs):
        serializer = s.ApiTokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, plain = services.token_create(actor=request.user, **serializer.validated_data)
        token.token = plain
        return Response(s.ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.token_revoke(actor=request.user, token_id=self.get_object().pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- inbound alerts -------------------------------------------------------------------------

MAX_BODY_BYTES = 1024 * 1024


class RetryLater(exceptions.Throttled):
    """Over the integration's rate: 503 + Retry-After, which Alertmanager retries (a 429 it
    would drop for good)."""

    status_code = 503
    default_code = "rate_limited_retry_later"


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "payload_too_large"
    default_detail = _("The body is larger than {n} bytes.").format(n=MAX_BODY_BYTES)


def _json_body(request) -> Any:
    """The parsed body, refusing an oversized one (413) or one that is not JSON (400)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    try:
        body = request.body
    except RequestDataTooBig:
        raise PayloadTooLarge() from None
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise exceptions.ParseError(
            _("The body is not valid JSON: {error}").format(error=err), code="parse_error"
        ) from None


def _stamp(value: str | None) -> datetime | None:
    """An RFC 3339 time, or None for Alertmanager's "0001-01-01T00:00:00Z" (no end yet)."""
    if not value or value.startswith("0001-"):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


class IntegrationEndpoint(APIView):
    """Shared by the inbound webhooks: integration token only, per-token rate, 503 when over
    it."""

    integration_endpoint = True
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [IntegrationTokenRequired]
    throttle_classes = [ApiTokenRateThrottle]

    def throttled(self, request, wait):
        raise RetryLater(wait)

    def handle_exception(self, exc):
        if isinstance(exc, RetryLater):  # expected back-pressure, not a server fault to report
            return Response(
                {**error_body(exc.default_code, str(exc.detail)), "type": "server_error"},
                status=exc.status_code,
                headers={"Retry-After": str(math.ceil(exc.wait or 1))},
            )
        return super().handle_exception(exc)

    def answer(self, integration, alerts) -> Response:
        """Store the alerts and answer 202 at once; workers open, note and resolve incidents
        (queued when this commits; the periodic sweep catches a lost trigger)."""
        with transaction.atomic():
            events = services.alerts_store(integration=integration, alerts=alerts)
            shards = sorted({event.shard for event in events})
            transaction.on_commit(lambda: _queue_processing(integration.pk, shards))
        return Response(
            {"received": len(events), "ids": [event.pk for event in events]},
            status=status.HTTP_202_ACCEPTED,
        )


def _queue_processing(integration_id: int, shards: list[int]) -> None:
    for shard in shards:
        try:
            process_alerts.apply_async(kwargs={"integration_id": integration_id, "shard": shard})
        except Exception:  # the broker is down: the sweep drains the stored alerts later
            logger.warning("could not queue alert processing", exc_info=True)
            return


ERRORS = {
    400: OpenApiResponse(ClientErrorResponseSerializer, description="Malformed: not JSON, "
                         "wrong version or fields (not retried by Alertmanager)."),
    401: OpenApiResponse(ClientErrorResponseSerializer, description="Bad or revoked token."),
    413: OpenApiResponse(ClientErrorResponseSerializer, description="Body over 1 MiB."),
    503: OpenApiResponse(ClientErrorResponseSerializer, description="Over the rate; retry "
                         "after Retry-After seconds."),
}  # fmt: skip


class AlertmanagerWebhookView(IntegrationEndpoint):
    """Prometheus Alertmanager's webhook receiver (payload version 4).

    Point a `webhook_configs` entry here with `send_resolved: true` and
    `http_config.authorization` carrying an integration token (`type: Bearer`). Each alert is
    handled by its own `status` and `fingerprint`: firing opens an incident (or adds a work
    note to the one open), resolved resolves it.
    """

    @extend_schema(
        request=s.AlertmanagerPayloadSerializer,
        responses={202: s.AlertsReceivedSerializer, **ERRORS},
        auth=[{"apiToken": []}],
    )
    def post(self, request):
        serializer = s.AlertmanagerPayloadSerializer(data=_json_body(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        source = "Alertmanager {url}".format(url=data.get("externalURL", "")).strip()
        alerts = [
            services.AlertIn(
                key=alert["fingerprint"],
                status=alert["status"],
                labels=dict(alert.get("labels") or {}),
                annotations=dict(alert.get("annotations") or {}),
                url=alert.get("generatorURL", ""),
                starts_at=_stamp(alert.get("startsAt")),
                ends_at=_stamp(alert.get("endsAt")),
                source=source,
            )
            for alert in data["alerts"]
        ]
        return self.answer(request.auth.integration, alerts)


class EventWebhookView(IntegrationEndpoint):
    """Generic JSON events from any tool, with the same rules as Alertmanager's: the first
    `firing` event for a `key` opens an incident, repeats add work notes to it, `resolved`
    resolves it (or notes it, as the integration is set up)."""

    @extend_schema(
        request=s.EventSerializer,
        responses={202: s.AlertsReceivedSerializer, **ERRORS},
        auth=[{"apiToken": []}],
    )
    def post(self, request):
        body = _json_body(request)
        if not isinstance(body, dict):
            raise exceptions.ParseError(_("Send one JSON object."), code="parse_error")
        serializer = s.EventSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        alert = services.AlertIn(
            key=data["key"],
            status=data["status"],
            labels=dict(data.get("labels") or {}),
            title=data.get("title", ""),
            description=data.get("description", ""),
            url=data.get("url", ""),
            starts_at=data.get("occurred_at"),
            ends_at=data.get("occurred_at") if data["status"] == "resolved" else None,
        )
        return self.answer(request.auth.integration, [alert])
