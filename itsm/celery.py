"""The Celery app: configured from Django settings (namespace CELERY), tasks found per app.

The beat schedule lives in settings (CELERY_BEAT_SCHEDULE) so it is version-controlled.
"""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")

app = Celery("itsm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(**kwargs: object) -> None:
    # RELIABILITY §B3: a worker must recover by itself after a database restart.
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:  # a task run inside a caller's transaction keeps it
            conn.close_if_unusable_or_obsolete()
