"""PDCA tasks: the periodic improvement reviews. Thin by rule."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from pdca.services import reviews_run_due


@shared_task(
    name="pdca.run_due_reviews",
    acks_late=True,
    soft_time_limit=240,
    time_limit=300,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def run_due_reviews(**kwargs) -> int:
    """Review every active cycle whose review period has ended (once per period)."""
    return reviews_run_due(now=timezone.now())
