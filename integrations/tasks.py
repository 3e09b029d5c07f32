"""Integration tasks: webhook fan-out and delivery with back-off, inbound mail. Thin by rule."""

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from integrations.mailin import mail_fetch
from integrations.services import (
    alert_events_purge,
    alerts_pending,
    alerts_process,
    webhook_deliver,
    webhook_fan_out,
)

MAX_RETRIES = 8


@shared_task(
    name="integrations.fan_out",
    acks_late=True,
    soft_time_limit=30,
    time_limit=40,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def fan_out(*, event: str, payload: dict, **kwargs) -> int:
    """Create the deliveries of one event."""
    return len(webhook_fan_out(event=event, payload=payload))


@shared_task(
    bind=True,
    name="integrations.deliver_webhook",
    acks_late=True,
    soft_time_limit=20,
    time_limit=30,
    max_retries=MAX_RETRIES,
)
def deliver_webhook(self, *, delivery_id: int, **kwargs) -> bool:
    """POST one delivery; a failure is retried after 2, 4, 8 … seconds (up to ~8 minutes)."""
    if webhook_deliver(delivery_id=delivery_id):
        return True
    if self.request.retries < MAX_RETRIES and not self.request.is_eager:
        raise self.retry(countdown=2 ** (self.request.retries + 1))
    return False


@shared_task(
    name="integrations.fetch_mail",
    acks_late=True,
    soft_time_limit=240,
    time_limit=300,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def fetch_mail(**kwargs) -> str:
    """Read the inbound mailbox (MAILIN_URL) once; each message is processed once."""
    if not settings.MAILIN_URL:
        return "not configured"
    return str(mail_fetch(url=settings.MAILIN_URL))


@shared_task(
    name="integrations.process_alerts",
    acks_late=True,
    soft_time_limit=90,
    time_limit=120,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def process_alerts(*, integration_id: int, shard: int, **kwargs) -> int:
    """Drain one shard of an integration's alert inbox; queue another run if time ran out."""
    done = alerts_process(integration_id=integration_id, shard=shard)
    if done < 0:
        process_alerts.apply_async(kwargs={"integration_id": integration_id, "shard": shard})
    return done


@shared_task(name="integrations.sweep_alerts", acks_late=True, soft_time_limit=20, time_limit=30)
def sweep_alerts(**kwargs) -> int:
    """Safety net for a lost or skipped trigger: queue a drain for every shard with events."""
    alert_events_purge()
    pending = alerts_pending()
    for integration_id, shard in pending:
        process_alerts.apply_async(kwargs={"integration_id": integration_id, "shard": shard})
    return len(pending)
