"""Core periodic tasks: the outbox relay, the ledger purge, a health ping."""

import logging

from celery import shared_task
from django.db import OperationalError

from core.idempotency import idempotency_purge
from core.outbox import outbox_relay, processed_message_purge

logger = logging.getLogger(__name__)


@shared_task(
    name="core.relay_outbox",
    acks_late=True,
    soft_time_limit=50,
    time_limit=60,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def relay_outbox(**kwargs: object) -> int:
    """Publish pending outbox messages to the broker."""
    return outbox_relay()


@shared_task(
    name="core.purge_processed_messages", acks_late=True, soft_time_limit=50, time_limit=60
)
def purge_processed_messages(**kwargs: object) -> int:
    """Forget week-old processed-message ids and sent outbox rows."""
    return processed_message_purge()


@shared_task(name="core.purge_idempotency_keys", acks_late=True, soft_time_limit=50, time_limit=60)
def purge_idempotency_keys(**kwargs: object) -> int:
    """Forget Idempotency-Keys older than 24 hours."""
    return idempotency_purge()


@shared_task(name="core.health_ping", soft_time_limit=5, time_limit=10)
def health_ping(**kwargs: object) -> str:
    """Answer "pong": shows that a worker consumes from the broker."""
    logger.debug("health ping")
    return "pong"
