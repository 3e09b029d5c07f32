"""Outbound webhooks: fan an event out to its subscriptions, deliver one signed POST."""

import json
import time
import urllib.error
import urllib.request
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from core.outbox import outbox_enqueue
from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.signing import webhook_signature

DELIVER_TASK = "integrations.deliver_webhook"
TIMEOUT_SECONDS = 5


@transaction.atomic
def webhook_fan_out(*, event: str, payload: dict[str, Any]) -> list[WebhookDelivery]:
    """Create a delivery per interested subscription and queue each (outbox)."""
    deliveries = [
        WebhookDelivery.objects.create(subscription=s, event=event, payload=payload)
        for s in WebhookSubscription.objects.filter(is_active=True)
        if s.wants(event)
    ]
    for delivery in deliveries:
        outbox_enqueue(DELIVER_TASK, {"delivery_id": delivery.pk})
    return deliveries


def webhook_deliver(*, delivery_id: int) -> bool:
    """POST one delivery; True when the receiver answered 2xx. The request is made outside
    any transaction, so a slow receiver holds no database lock."""
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == WebhookDelivery.Status.DELIVERED:
        return True
    body = json.dumps(
        {"event": delivery.event, "delivery": delivery.pk, "data": delivery.payload},
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
    ).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 - the URL is an administrator's http(s) URLField
        delivery.subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "itsm-service-desk-webhooks/1",
            "X-Desk-Event": delivery.event,
            "X-Desk-Delivery": str(delivery.pk),
            "X-Desk-Timestamp": str(timestamp),
            "X-Desk-Signature": webhook_signature(delivery.subscription.secret, timestamp, body),
        },
    )
    code, error = None, ""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            code = response.status
    except urllib.error.HTTPError as exc:
        code, error = exc.code, "HTTP {code}".format(code=exc.code)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = "{kind}: {detail}".format(kind=type(exc).__name__, detail=exc)[:500]
    ok = code is not None and 200 <= code < 300
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=delivery.attempts + 1,
        last_status_code=code,
        last_error="" if ok else error,
        status=WebhookDelivery.Status.DELIVERED if ok else WebhookDelivery.Status.FAILED,
        delivered_at=timezone.now() if ok else None,
    )
    return ok


@transaction.atomic
def webhook_redeliver(*, delivery_id: int) -> None:
    """Queue a delivery again (the "redeliver" button)."""
    WebhookDelivery.objects.filter(pk=delivery_id).update(status=WebhookDelivery.Status.PENDING)
    outbox_enqueue(DELIVER_TASK, {"delivery_id": delivery_id})
