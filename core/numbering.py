"""Human record numbers per kind (INC0001042): gap-free in committed data, never reused.

The counter row is bumped with one UPDATE, which holds the row lock until the caller's
transaction ends; concurrent creators queue on it. If the caller rolls back, the number was
never seen by anyone and the next creator gets it.
"""

from django.db import transaction
from django.db.models import F

from core.models import NumberSequence

NUMBER_WIDTH = 7


def number_next(*, kind: str) -> str:
    """Return the next number for `kind` (e.g. "INC" → "INC0000001")."""
    with transaction.atomic():
        NumberSequence.objects.get_or_create(kind=kind)
        NumberSequence.objects.filter(kind=kind).update(last=F("last") + 1)
        value = NumberSequence.objects.values_list("last", flat=True).get(kind=kind)
    return "{kind}{value:0{width}d}".format(kind=kind, value=value, width=NUMBER_WIDTH)
