"""The transactional outbox (RELIABILITY §B3).

A service calls `outbox_enqueue()` inside its transaction; the row commits or vanishes with
the change. `outbox_relay()` (the periodic task `core.relay_outbox`) publishes pending rows to
the broker and marks them sent, so a broker outage delays work but never loses it. Delivery is
at least once: consumers call `processed_message_claim()` to turn a repeat into a no-op.
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.models import OutboxMessage, ProcessedMessage

Publisher = Callable[[str, dict[str, Any]], None]


_batch: ContextVar[list[OutboxMessage] | None] = ContextVar("outbox_batch", default=None)


def outbox_enqueue(
    task: str, kwargs: Mapping[str, Any] | None = None, *, delay: timedelta | None = None
) -> OutboxMessage:
    """Record that `task` must run with `kwargs` once the current transaction commits."""
    now = timezone.now()
    message = OutboxMessage(
        task=task,
        kwargs=dict(kwargs or {}),
        created_at=now,
        available_at=now + (delay or timedelta()),
    )
    batch = _batch.get()
    if batch is None:
        message.save(force_insert=True)
    else:
        batch.append(message)
    return message


def outbox_enqueue_many(task: str, kwargs_list: list[Mapping[str, Any]]) -> None:
    """outbox_enqueue for several messages of one task, in one INSERT."""
    with outbox_batch():
        for kwargs in kwargs_list:
            outbox_enqueue(task, kwargs)


@contextmanager
def outbox_batch() -> Iterator[None]:
    """Messages queued inside are written in one INSERT at the end, still inside the
    caller's transaction (a service that emits an event and notifies several people writes
    one statement, not one per message). Nested batches join the outermost."""
    if _batch.get() is not None:
        yield
        return
    token = _batch.set([])
    try:
        yield
        messages = _batch.get() or []
    finally:
        _batch.reset(token)
    if messages:
        OutboxMessage.objects.bulk_create(messages)


def celery_publish(task: str, kwargs: dict[str, Any]) -> None:
    """Publish one task by name on the Celery broker, failing fast if the broker is down."""
    from celery import current_app

    current_app.send_task(
        task,
        kwargs=kwargs,
        retry=True,
        retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
    )


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 2**attempts))


def outbox_relay(*, publish: Publisher = celery_publish, now: datetime | None = None) -> int:
    """Publish due outbox rows; return how many were sent. Stops at the first broker error."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        pending = OutboxMessage.objects.filter(
            sent_at__isnull=True,
            available_at__lte=now,
            attempts__lt=settings.OUTBOX_MAX_ATTEMPTS,
        ).order_by("created_at")
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True)
        for message in pending[: settings.OUTBOX_BATCH_SIZE]:
            try:
                publish(message.task, {**message.kwargs, "outbox_id": str(message.id)})
            except Exception as exc:  # the broker's errors vary by transport
                message.attempts += 1
                message.last_error = "{kind}: {error}".format(kind=type(exc).__name__, error=exc)[
                    :2000
                ]
                message.available_at = now + _backoff(message.attempts)
                message.save(update_fields=["attempts", "last_error", "available_at"])
                break
            message.sent_at = now
            message.attempts += 1
            message.save(update_fields=["sent_at", "attempts"])
            sent += 1
    return sent


def processed_message_claim(*, message_id: str | None, task: str) -> bool:
    """Claim an outbox message for processing inside the caller's transaction.

    Returns False when it was already processed (a redelivery), True otherwise. A call
    without an id (a task started by hand) is always processed.
    """
    if not message_id:
        return True
    try:
        with transaction.atomic():
            ProcessedMessage.objects.create(id=message_id, task=task)
    except IntegrityError:
        return False
    return True


def processed_message_purge(*, older_than: timedelta = timedelta(days=7)) -> int:
    """Forget processed-message ids and sent outbox rows older than `older_than`."""
    cutoff = timezone.now() - older_than
    deleted, _ = ProcessedMessage.objects.filter(processed_at__lt=cutoff).delete()
    sent, _ = OutboxMessage.objects.filter(sent_at__lt=cutoff).delete()
    return deleted + sent
