"""Outbound webhooks: events fan out to subscriptions; deliveries are signed, logged and
retried; a real local HTTP receiver verifies the signature."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from core.models import OutboxMessage
from incidents.services import incident_create, incident_transition
from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.services import webhook_redeliver
from integrations.signing import webhook_signature, webhook_signature_valid
from integrations.tasks import deliver_webhook, fan_out
from tests.conftest import run_task
from tests.factories import ServiceFactory, SupportGroupFactory

pytestmark = pytest.mark.django_db


class Receiver:
    """A real HTTP server on loopback that records what it gets and answers `status`."""

    def __init__(self, status=200):
        self.status = status
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((dict(self.headers), body))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:{port}/hook".format(port=self.server.server_port)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def deliver_pending():
    for message in OutboxMessage.objects.filter(task="integrations.fan_out", sent_at__isnull=True):
        run_task(fan_out, **message.kwargs)
        message.delete()
    for message in OutboxMessage.objects.filter(task="integrations.deliver_webhook"):
        run_task(deliver_webhook, **message.kwargs)
        message.delete()


def test_signature_round_trip():
    body = b'{"a":1}'
    header = webhook_signature("s3cret", 1700000000, body)
    assert webhook_signature_valid("s3cret", 1700000000, body, header, now=1700000100)
    assert not webhook_signature_valid("other", 1700000000, body, header, now=1700000100)
    assert not webhook_signature_valid("s3cret", 1700000000, body + b" ", header, now=1700000100)
    assert not webhook_signature_valid(
        "s3cret", 1700000000, body, header, now=1700009999
    )  # too old


def test_events_reach_a_real_receiver_signed(agent):
    service = ServiceFactory(support_group=SupportGroupFactory())
    with Receiver() as receiver:
        subscription = WebhookSubscription.objects.create(
            name="Chat", url=receiver.url, events=["incident.*"], created_by=agent
        )
        WebhookSubscription.objects.create(
            name="Changes only", url=receiver.url, events=["change.*"], created_by=agent
        )
        incident = incident_create(actor=agent, data={"title": "Mail down", "service": service})
        incident_transition(
            actor=agent, incident=incident.pk, name="resolve", expected_version=1,
            data={"resolution_code": "fixed", "resolution_notes": "ok"},
        )  # fmt: skip
        deliver_pending()
    events = [headers["X-Desk-Event"] for headers, _body in receiver.requests]
    assert events == ["incident.created", "incident.resolved"]
    headers, body = receiver.requests[1]
    assert webhook_signature_valid(
        subscription.secret, int(headers["X-Desk-Timestamp"]), body, headers["X-Desk-Signature"]
    )
    data = json.loads(body)
    assert data["data"]["number"] == incident.number
    assert data["data"]["state"] == "resolved"
    assert WebhookDelivery.objects.filter(status="delivered").count() == 2


def test_a_failing_receiver_is_logged_and_can_be_redelivered(agent):
    service = ServiceFactory(support_group=SupportGroupFactory())
    with Receiver(status=500) as receiver:
        WebhookSubscription.objects.create(
            name="Down", url=receiver.url, events=["incident.created"], created_by=agent
        )
        incident_create(actor=agent, data={"title": "x", "service": service})
        deliver_pending()
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 1, 500)
        receiver.status = 204
        webhook_redeliver(delivery_id=delivery.pk)
        deliver_pending()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)


def test_an_unreachable_receiver_does_not_break_the_write(agent):
    service = ServiceFactory(support_group=SupportGroupFactory())
    WebhookSubscription.objects.create(
        name="Nowhere", url="http://127.0.0.1:9/x", events=["incident.*"], created_by=agent
    )
    incident = incident_create(actor=agent, data={"title": "x", "service": service})
    assert incident.pk
    deliver_pending()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.last_error
