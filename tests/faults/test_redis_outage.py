"""Redis (broker and cache) stopped: the API keeps taking incidents, and every notification
and webhook delivery goes out once Redis is back (the transactional outbox, core.outbox).

Our own redis-server on a spare port is stopped and started again; gunicorn, a Celery worker
and a beat run against it the whole time, on the PostgreSQL test database.
"""

import json
import time

import pytest
from rest_framework.authtoken.models import Token

from core.models import OutboxMessage, ProcessedMessage
from integrations.models import WebhookDelivery, WebhookSubscription
from tests.conftest import make_user
from tests.factories import ServiceFactory, SupportGroupFactory
from tests.faults.servers import Gunicorn, RedisServer
from tests.integrations.test_webhooks import Receiver
from tests.postgres.processes import Processes, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.slow]
INCIDENTS = 200
NOTIFY = "incidents.send_incident_notification"


def test_incidents_created_while_redis_is_down_notify_and_deliver_once_it_is_back(
    postgresql, tmp_path
):
    agent = make_user("agent", "agent", email="agent@example.com")
    mate = make_user("mate", "agent", email="mate@example.com")
    group = SupportGroupFactory(name="Desk")
    group.members.add(agent, mate)
    service = ServiceFactory(name="Mail", support_group=group)
    token = Token.objects.create(user=agent).key

    redis = RedisServer(tmp_path)
    redis.start()
    with Receiver() as receiver, Processes(tmp_path, broker_port=redis.port, db=0) as run:
        WebhookSubscription.objects.create(
            name="Chat", url=receiver.url, events=["incident.created"], created_by=agent
        )
        env = run.env(
            REDIS_URL="redis://127.0.0.1:{p}/1".format(p=redis.port),
            API_THROTTLE_USER="1000000/min",
            API_THROTTLE_TOKEN="1000000/min",
        )
        web = Gunicorn(tmp_path, env)
        try:
            run.worker("worker", REDIS_URL=env["REDIS_URL"])
            run.beat("beat", REDIS_URL=env["REDIS_URL"])
            # the chain works before the outage
            status, _body = web.request(
                "POST", "/api/v1/incidents/", token=token,
                body={"title": "Before", "service": service.pk},
            )  # fmt: skip
            assert status == 201
            wait_for(
                lambda: WebhookDelivery.objects.filter(status="delivered").count() == 1,
                timeout=60, what="the first delivery", logs=run,
            )  # fmt: skip

            redis.stop()
            started = time.monotonic()
            statuses = [
                web.request(
                    "POST", "/api/v1/incidents/", token=token,
                    body={"title": "During outage {n}".format(n=n), "service": service.pk},
                )[0]
                for n in range(INCIDENTS)
            ]  # fmt: skip
            seconds = time.monotonic() - started
            assert statuses == [201] * INCIDENTS, sorted(set(statuses))
            pending = OutboxMessage.objects.filter(sent_at=None).count()
            assert pending >= INCIDENTS  # kept, not lost: nothing could be published

            redis.start()
            outbox = OutboxMessage.objects.filter(task=NOTIFY)

            def everything_out():
                ids = [str(pk) for pk in outbox.values_list("pk", flat=True)]
                delivered = WebhookDelivery.objects.filter(status="delivered").count()
                return (
                    not OutboxMessage.objects.filter(sent_at=None).exists()
                    and ProcessedMessage.objects.filter(pk__in=ids).count() == len(ids)
                    and delivered == INCIDENTS + 1
                )

            wait_for(everything_out, timeout=240, what="every notification and delivery", logs=run)
            time.sleep(3)
            mails = run.mails()
            server_errors = web.server_errors()
        finally:
            web.stop()
            run.stop_all()
            redis.stop()

    assert server_errors == 0
    notifications = outbox.count()
    assert notifications >= INCIDENTS + 1
    assert len(mails) == notifications  # each e-mail once
    deliveries = [json.loads(body)["delivery"] for _headers, body in receiver.requests]
    assert len(deliveries) == len(set(deliveries)) == INCIDENTS + 1  # each delivery once
    print(  # noqa: T201 - the figures of the run (pytest -s shows them)
        "\n{n} incidents created with Redis down in {s:.1f} s ({r:.0f}/s); {m} e-mails and {d} "
        "webhook deliveries went out after it came back".format(
            n=INCIDENTS, s=seconds, r=INCIDENTS / seconds, m=len(mails), d=len(deliveries)
        )
    )
