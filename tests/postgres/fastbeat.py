"""The Celery app with the production beat schedule's scanners every second (for tests).

`celery -A tests.postgres.fastbeat beat` is a real beat process; only the cadence differs
from CELERY_BEAT_SCHEDULE, so a test sees a review or an SLA scan within seconds.
"""

import os

from itsm.celery import app

EVERY = float(os.environ.get("TEST_BEAT_SECONDS", "1"))
app.conf.beat_schedule = {
    name: {"task": name, "schedule": EVERY}
    for name in ("core.relay_outbox", "pdca.run_due_reviews", "incidents.scan_incident_sla")
}

__all__ = ["app"]
