"""Problem tasks: proactive detection. Thin by rule."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from problems.services import problem_detect


@shared_task(
    name="problems.detect_problems",
    acks_late=True,
    soft_time_limit=120,
    time_limit=150,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def detect_problems(**kwargs) -> dict[str, int]:
    """Suggest problems for clusters of similar incidents."""
    return problem_detect(now=timezone.now())
