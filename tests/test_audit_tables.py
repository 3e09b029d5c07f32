"""The audit tables (django-simple-history) carry only the indexes their reads use."""

import pytest
from django.db import connection

from changes.models import Change
from incidents.models import Incident
from problems.models import Problem


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Incident, Problem, Change])
def test_an_audit_table_carries_only_the_indexes_its_reads_use(model):
    """Audit rows are read by record and date (and a deleted user's rows by history_user);
    the record's own indexes are not copied onto them, so each write and each imported
    event maintains four indexes, not a dozen or twenty."""
    table = model.history.model._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    indexed = {tuple(c["columns"]) for c in constraints.values() if c["index"] or c["primary_key"]}
    assert indexed == {("history_id",), ("id",), ("history_date",), ("history_user_id",)}
