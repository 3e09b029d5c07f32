"""A Celery worker killed (SIGKILL) in the middle of a review leaves no half review, and the
review completes on the next run.

The review runs in one transaction (pdca.services.review_run). The test holds a lock on the
snapshot table, so the worker's review stops half-way (its Review row written, its snapshots
not); then the worker is killed with SIGKILL, the lock released, and nothing of the review is
in the database. With acks_late (settings.CELERY_TASK_ACKS_LATE) the message was never
acknowledged: Redis still holds it as unacked. A new worker and the next run make the review.
"""

import signal

import psycopg2
import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from pdca.models import GoalSnapshot, Review
from pdca.tasks import run_due_reviews
from tests.postgres.processes import Processes, redis_command, wait_for
from tests.postgres.test_celery_processes import due_cycle  # noqa: F401 - fixture

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def waiting_on_lock(dbname: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = "
            "'Lock' AND pid <> pg_backend_pid()",
            [dbname],
        )
        return cursor.fetchone()[0]


def test_a_review_killed_half_way_leaves_nothing_and_runs_again(tmp_path, due_cycle):  # noqa: F811
    assert settings.CELERY_TASK_ACKS_LATE
    assert run_due_reviews.acks_late
    dbname = connection.settings_dict["NAME"]
    params = connection.get_connection_params()
    locker = psycopg2.connect(**params)
    with Processes(tmp_path) as run:
        sender = Celery(broker=run.broker)
        worker = run.worker("worker1")
        with locker.cursor() as cursor:  # a transaction, kept open: the lock holds
            cursor.execute(
                "LOCK TABLE {t} IN ACCESS EXCLUSIVE MODE".format(t=GoalSnapshot._meta.db_table)
            )
        sender.send_task("pdca.run_due_reviews")
        wait_for(lambda: waiting_on_lock(dbname), timeout=60, what="the review to block", logs=run)

        run.kill(worker, signal.SIGKILL)  # the pool child running the review and the worker
        unacked = redis_command("HLEN", "unacked", db=run.db)
        locker.rollback()
        locker.close()
        wait_for(lambda: not waiting_on_lock(dbname), timeout=30, what="the lock to clear")
        assert not Review.objects.filter(cycle=due_cycle).exists()
        assert not GoalSnapshot.objects.exists()
        assert unacked.strip() == b":1", unacked  # acks_late: the broker still holds it

        run.worker("worker2")
        sender.send_task("pdca.run_due_reviews")  # the next run (beat, every hour)
        review = wait_for(
            lambda: Review.objects.filter(cycle=due_cycle, on_demand=False).first(),
            timeout=60, what="the review on the next run", logs=run,
        )  # fmt: skip
        run.stop_all()
    assert Review.objects.filter(cycle=due_cycle).count() == 1
    assert review.snapshots.count() == due_cycle.goals.count() == 1
