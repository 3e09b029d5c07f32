"""Celery tasks: stable names, JSON arguments, idempotent when run twice."""

import pytest
from celery import current_app

from core.tasks import health_ping, purge_processed_messages, relay_outbox
from tests.conftest import run_task


def test_task_names_are_stable_and_scheduled():
    from django.apps import apps

    # What the worker does at start: import every app's tasks module.
    current_app.autodiscover_tasks(lambda: [c.name for c in apps.get_app_configs()], force=True)
    registered = set(current_app.tasks)
    assert {"core.relay_outbox", "core.purge_processed_messages", "core.health_ping"} <= registered
    scheduled = {entry["task"] for entry in current_app.conf.beat_schedule.values()}
    assert scheduled <= registered


@pytest.mark.django_db
@pytest.mark.parametrize("task", [relay_outbox, purge_processed_messages, health_ping])
def test_every_task_can_run_twice(task):
    first = run_task(task)
    second = run_task(task)
    assert first == second
