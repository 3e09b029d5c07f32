"""Change tasks: notifications from the outbox. Thin by rule."""

from celery import shared_task
from django.db import OperationalError

from changes.notifications import change_notification_send


@shared_task(
    name="changes.send_change_notification",
    acks_late=True,
    soft_time_limit=30,
    time_limit=40,
    autoretry_for=(OperationalError, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def send_change_notification(
    *, change_id: int, event: str, recipient_id: int, outbox_id: str | None = None, **kwargs
) -> bool:
    """Send one change e-mail; a redelivered outbox message sends nothing."""
    return change_notification_send(
        change_id=change_id, event=event, recipient_id=recipient_id, outbox_id=outbox_id
    )
