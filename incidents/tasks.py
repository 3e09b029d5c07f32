"""Incident tasks: notifications from the outbox, the SLA scan, auto-close. Thin by rule."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from incidents.notifications import incident_notification_send
from incidents.services import incident_close_resolved_due, incident_sla_scan


@shared_task(
    name="incidents.send_incident_notification",
    acks_late=True,
    soft_time_limit=30,
    time_limit=40,
    autoretry_for=(OperationalError, ConnectionError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def send_incident_notification(
    *, incident_id: int, event: str, recipient_id: int, outbox_id: str | None = None, **kwargs
) -> bool:
    """Send one incident e-mail; a redelivered outbox message sends nothing."""
    return incident_notification_send(
        incident_id=incident_id,
        event=event,
        recipient_id=recipient_id,
        outbox_id=outbox_id,
        comment_id=kwargs.get("comment_id"),
    )


@shared_task(
    name="incidents.scan_incident_sla",
    acks_late=True,
    soft_time_limit=50,
    time_limit=60,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def scan_incident_sla(**kwargs) -> dict[str, int]:
    """Fire due SLA warnings and breaches (each once)."""
    return incident_sla_scan(now=timezone.now())


@shared_task(
    name="incidents.close_resolved_incidents",
    acks_late=True,
    soft_time_limit=50,
    time_limit=60,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def close_resolved_incidents(**kwargs) -> int:
    """Close incidents resolved longer ago than the auto-close period."""
    return incident_close_resolved_due(now=timezone.now())
