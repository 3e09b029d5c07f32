"""Audit history: every write path records who changed what; rows cannot be changed."""

import pytest
from django.db import DatabaseError, connection, transaction

from catalog.models import Service
from catalog.services import service_update
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def test_service_update_records_old_and_new_value_and_who(manager):
    service = ServiceFactory(name="Mail")
    service_update(
        actor=manager, service_id=service.pk, expected_version=1, data={"name": "E-mail"}
    )
    latest, previous = service.history.order_by("-history_id")[:2]
    delta = latest.diff_against(previous)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("name", "Mail", "E-mail")]
    assert (previous.version, latest.version) == (1, 2)
    assert latest.history_user == manager


def test_history_rows_cannot_be_updated_through_the_orm():
    service = ServiceFactory()
    row = service.history.first()
    row.name = "forged"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        row.save()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE catalog_historicalservice SET name = 'forged'",
        "DELETE FROM catalog_historicalservice",
    ],
)
def test_history_rows_cannot_be_changed_with_raw_sql(sql):
    ServiceFactory()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert Service.history.count() == 1


def test_every_history_table_is_protected():
    from core.history import history_tables

    tables = history_tables()
    assert {"catalog_historicalservice", "sla_historicalslapolicy"} <= set(tables)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT event_object_table FROM information_schema.triggers")
        protected = {row[0] for row in cursor.fetchall()}
    assert set(tables) <= protected
