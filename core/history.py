"""Append-only audit history: database triggers that refuse UPDATE and DELETE on every
django-simple-history table, on SQLite and PostgreSQL alike.

Installed after every migrate (post_migrate), idempotently, so a new history model is covered
without writing a migration for it.
"""

from typing import Any

from django.apps import apps
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from simple_history.models import HistoricalChanges

APPEND_ONLY_MESSAGE = "audit history is append-only"

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION core_history_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation';
END $$;
""".format(message=APPEND_ONLY_MESSAGE)


def history_tables() -> list[str]:
    """The database tables of every simple-history model."""
    return sorted(
        m._meta.db_table
        for m in apps.get_models()
        if issubclass(m, HistoricalChanges) and not m._meta.abstract
    )


def history_protect_table(connection: BaseDatabaseWrapper, table: str) -> None:
    """Install the append-only triggers on one table (idempotent)."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            cursor.execute(
                "CREATE OR REPLACE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION core_history_append_only()".format(
                    trigger=qn(table + "_append_only"), table=qn(table)
                )
            )
        elif connection.vendor == "sqlite":
            for op in ("UPDATE", "DELETE"):
                cursor.execute(
                    "CREATE TRIGGER IF NOT EXISTS {trigger} BEFORE {op} ON {table} "
                    "BEGIN SELECT RAISE(ABORT, '{message}'); END".format(
                        trigger=qn("{t}_no_{op}".format(t=table, op=op.lower())),
                        op=op,
                        table=qn(table),
                        message=APPEND_ONLY_MESSAGE,
                    )
                )


def history_protect_all(sender: Any = None, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver: protect every history table that exists in `using`."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    for table in history_tables():
        if table in existing:
            history_protect_table(connection, table)


def history_unprotect_sqlite_for_flush_rollback_unsafe(using: str = "default") -> None:
    """Drop the SQLite DELETE triggers so a test database can be flushed.

    Only for the test suite: SQLite has no TRUNCATE, so Django flushes with DELETE. The next
    post_migrate (which flush emits) puts the triggers back. PostgreSQL flushes with TRUNCATE,
    which row triggers do not see, so it needs nothing.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table in history_tables():
            cursor.execute(
                "DROP TRIGGER IF EXISTS {t}".format(
                    t=connection.ops.quote_name(table + "_no_delete")
                )
            )
