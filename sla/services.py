"""SLA writes: recording a warning or breach exactly once."""

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction

from sla.models import SlaNotification


def sla_notification_record(
    *, record: models.Model, metric: str, kind: str, threshold: int
) -> bool:
    """Record that `kind` fired for `record`'s `metric` clock; False if it already had.

    A unique constraint decides, not a check-then-insert, so two scanners racing each other
    still produce one notification.
    """
    try:
        with transaction.atomic():
            SlaNotification.objects.create(
                content_type=ContentType.objects.get_for_model(record),
                object_id=record.pk,
                metric=metric,
                kind=kind,
                threshold=threshold,
            )
    except IntegrityError:
        return False
    return True
