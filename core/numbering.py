"""Human record numbers per kind (INC0001042): gap-free in committed data, never reused.

The counter row is bumped with one UPDATE, which holds the row lock until the caller's
transaction ends; concurrent creators queue on it. If the caller rolls back, the number was
never seen by anyone and the next creator gets it.
"""

from django.db import connection, transaction

from core.models import NumberSequence

NUMBER_WIDTH = 7


def number_next(*, kind: str) -> str:
    """Return the next number for `kind` (e.g. "INC" → "INC0000001")."""
    sql = "UPDATE core_numbersequence SET last = last + 1 WHERE kind = %s RETURNING last"
    with connection.cursor() as cursor:
        cursor.execute(sql, [kind])  # one statement: bump and read under the row lock
        row = cursor.fetchone()
        if row is None:  # the kind's first number ever
            with transaction.atomic():
                NumberSequence.objects.get_or_create(kind=kind)
            cursor.execute(sql, [kind])
            row = cursor.fetchone()
    return "{kind}{value:0{width}d}".format(kind=kind, value=row[0], width=NUMBER_WIDTH)
