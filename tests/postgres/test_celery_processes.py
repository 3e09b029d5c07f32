"""Real Celery processes on Redis and PostgreSQL: two workers and two beat schedulers run the
same periodic review and the same SLA-breach scan, and each outcome happens once.

This is also the proof that the production wiring works end to end (issue 7): beat sends
`pdca.run_due_reviews`, a worker on Redis runs it, and a review appears in the database.
"""

import datetime as dt
import re
import time
from collections import Counter

import pytest
from django.utils import timezone

from core.models import OutboxMessage, ProcessedMessage
from incidents.services import incident_create
from pdca.models import Cycle, Goal, Review, Strategy
from sla.models import SlaNotification
from tests.conftest import make_user
from tests.factories import ServiceFactory, SupportGroupFactory, office_policy
from tests.postgres.processes import Processes, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
NOTIFY = "incidents.send_incident_notification"


def processed(outbox):
    """How many of these outbox messages a worker has handled (claimed by their id)."""
    ids = [str(pk) for pk in outbox.values_list("pk", flat=True)]
    return ProcessedMessage.objects.filter(pk__in=ids).count()


@pytest.fixture
def due_cycle(postgresql):
    """A cycle whose last weekly review period has ended and has not been reviewed."""
    owner = make_user("owner", "manager", email="owner@example.com")
    today = timezone.localdate()
    strategy = Strategy.objects.create(
        name="Stable payroll", vision="Paid on time.", owner=owner,
        horizon_start=today - dt.timedelta(days=60), horizon_end=today + dt.timedelta(days=300),
    )  # fmt: skip
    cycle = Cycle.objects.create(
        strategy=strategy,
        name="This quarter",
        start=today - dt.timedelta(days=15),
        end=today + dt.timedelta(days=60),
        review_days=7,
    )
    Goal.objects.create(
        cycle=cycle, name="MTTR ≤ 8 h", kpi="mttr_hours", target=8, direction="at_most"
    )
    return cycle


@pytest.fixture
def breached_incident(postgresql):
    """An incident opened long ago and never responded to: both SLA clocks are breached."""
    manager = make_user("boss", "manager", email="boss@example.com")
    agent = make_user("helper", "agent", email="helper@example.com")
    caller = make_user("caller", "requester", email="caller@example.com")
    group = SupportGroupFactory(name="Payroll desk", manager=manager)
    group.members.add(agent)
    service = ServiceFactory(name="Payroll", support_group=group, sla_policy=office_policy())
    opened = timezone.now() - dt.timedelta(days=20)
    return incident_create(
        actor=agent,
        data={"title": "Payslips missing", "service": service, "impact": 1, "urgency": 1,
              "caller": caller, "assignee": agent},
        now=opened,
    )  # fmt: skip


def test_two_workers_and_two_beats_make_one_review_and_one_notification_each(
    tmp_path, due_cycle, breached_incident
):
    with Processes(tmp_path) as run:
        run.worker("worker1")
        run.worker("worker2")
        run.beat("beat1")
        run.beat("beat2")

        review = wait_for(
            lambda: Review.objects.filter(cycle=due_cycle, on_demand=False).first(),
            timeout=90, what="the review", logs=run,
        )  # fmt: skip
        wait_for(
            lambda: SlaNotification.objects.filter(kind="breach", metric="resolution").exists(),
            timeout=60, what="the SLA breach", logs=run,
        )  # fmt: skip

        def all_notifications_sent():
            outbox = OutboxMessage.objects.filter(task=NOTIFY)
            return (
                outbox.exists()
                and not outbox.filter(sent_at=None).exists()
                and (processed(outbox) == outbox.count())
            )

        wait_for(all_notifications_sent, timeout=60, what="every notification", logs=run)
        time.sleep(6)  # both beats keep firing the same scans: nothing more may happen
        logs = {name: run.log(name) for name, _p in run.procs}
        mails = run.mails()
        run.stop_all()

    reviews = Review.objects.filter(cycle=due_cycle, on_demand=False)
    assert list(reviews.values_list("pk", flat=True)) == [review.pk]
    assert review.snapshots.count() == 1
    notifications = Counter(
        SlaNotification.objects.values_list("kind", "metric", "object_id").order_by()
    )
    assert notifications, "no SLA notification at all"
    assert set(notifications.values()) == {1}, notifications
    outbox = OutboxMessage.objects.filter(task=NOTIFY)
    breach_mails = outbox.filter(kwargs__event="sla_breach").count()
    assert breach_mails >= 1
    # one e-mail per notification message, however many times beat asked
    assert len(mails) == outbox.count(), mails
    assert processed(outbox) == outbox.count()

    # Both schedulers really sent the scans, more than once each, and both workers worked.
    for beat in ("beat1", "beat2"):
        sent = logs[beat].count("Sending due task pdca.run_due_reviews")
        assert sent >= 3, (beat, sent)
    ran = [
        len(re.findall(r"Task pdca\.run_due_reviews\[[^\]]+\] succeeded", logs[w]))
        for w in ("worker1", "worker2")
    ]
    assert sum(ran) >= 6, ran
    assert min(ran) >= 1, ran
