"""Time proactive problem detection on the benchmark database.

Runs problems.services.problem_detect twice: with the configured window (7 days by default)
and with a window covering every seeded incident (365 days), so the GROUP BY reads all
100,000 rows. Prints one line per run with the time, the SQL statements and the suggestions.

    .venv/bin/python bench/detect.py
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from incidents.models import Incident  # noqa: E402
from problems.services import problem_detect  # noqa: E402


def main() -> None:
    total = Incident.objects.count()
    for days in (settings.PROBLEM_DETECTION_WINDOW_DAYS, 365):
        settings.PROBLEM_DETECTION_WINDOW_DAYS = days
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            counts = problem_detect()
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)  # measure, leave the database as it was
        print(
            "detection over {total:,} incidents, window {days} d: {s:.2f} s, {q} SQL statements, "
            "suggestions {counts}".format(
                total=total, days=days, s=elapsed, q=len(queries), counts=counts
            )
        )


if __name__ == "__main__":
    main()
