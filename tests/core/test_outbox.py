"""The transactional outbox: written with the change, relayed to the broker, never lost."""

from datetime import timedelta

import pytest
from celery import current_app
from django.db import transaction
from django.utils import timezone

from core.models import OutboxMessage, ProcessedMessage
from core.outbox import outbox_enqueue, outbox_relay, processed_message_claim
from core.tasks import relay_outbox
from tests.conftest import run_task

pytestmark = pytest.mark.django_db


class Broker:
    """Stands in for the broker at the edge: records publishes, can be down."""

    def __init__(self, down=False):
        self.down = down
        self.published = []

    def __call__(self, task, kwargs):
        if self.down:
            raise ConnectionRefusedError("broker down")
        self.published.append((task, kwargs))


class TestOutbox:
    def test_message_rolls_back_with_the_change(self):
        class Abort(Exception):
            pass

        with pytest.raises(Abort), transaction.atomic():
            outbox_enqueue("notifications.send_email", {"to": 1})
            raise Abort
        assert not OutboxMessage.objects.exists()

    def test_relay_publishes_with_the_outbox_id_and_marks_sent(self):
        message = outbox_enqueue("notifications.send_email", {"to": 1})
        broker = Broker()
        assert outbox_relay(publish=broker) == 1
        assert broker.published == [
            ("notifications.send_email", {"to": 1, "outbox_id": str(message.id)})
        ]
        message.refresh_from_db()
        assert message.sent_at is not None
        assert outbox_relay(publish=broker) == 0  # nothing twice

    def test_broker_outage_keeps_messages_until_it_is_back(self):
        messages = [outbox_enqueue("t.x", {"n": n}) for n in range(3)]
        down = Broker(down=True)
        assert outbox_relay(publish=down) == 0
        first = OutboxMessage.objects.get(pk=messages[0].pk)
        assert first.attempts == 1
        assert "broker down" in first.last_error
        assert first.available_at > timezone.now()  # backed off
        up = Broker()
        assert outbox_relay(publish=up, now=timezone.now() + timedelta(minutes=10)) == 3
        assert [k["n"] for _, k in up.published] == [0, 1, 2]  # in order, none lost

    def test_delayed_message_waits(self):
        outbox_enqueue("t.later", {}, delay=timedelta(hours=1))
        broker = Broker()
        assert outbox_relay(publish=broker) == 0
        assert outbox_relay(publish=broker, now=timezone.now() + timedelta(hours=2)) == 1

    def test_relay_publishes_to_the_real_configured_broker(self):
        """The real transport (filesystem in make test, Redis in CI) accepts the message."""
        message = outbox_enqueue("core.health_ping", {})
        assert run_task(relay_outbox) == 1
        assert run_task(relay_outbox) == 0  # the task is safe to run twice
        message.refresh_from_db()
        assert message.sent_at is not None
        with current_app.connection_for_read() as conn:
            queue = conn.SimpleQueue("celery")
            found = []
            try:
                while True:
                    msg = queue.get(block=True, timeout=2)
                    msg.ack()
                    found.append(msg.headers.get("task"))
                    if msg.headers.get("kwargsrepr", "").find(str(message.id)) >= 0:
                        break
            except queue.Empty:
                pass
            finally:
                queue.close()
        assert "core.health_ping" in found


class TestProcessedMessage:
    def test_claim_is_true_once_then_false(self):
        key = "5f0a6b7e-3c3e-4d8b-9a53-0f9d2a1f0e11"
        assert processed_message_claim(message_id=key, task="t") is True
        assert processed_message_claim(message_id=key, task="t") is False
        assert ProcessedMessage.objects.count() == 1

    def test_claim_without_id_always_runs(self):
        assert processed_message_claim(message_id=None, task="t") is True
        assert processed_message_claim(message_id=None, task="t") is True
