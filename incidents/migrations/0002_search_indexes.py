"""GIN indexes for incident full-text search (PostgreSQL only; SQLite uses LIKE).

The expressions match what incidents.filters.incident_search generates, so the planner can
use them.
"""

from django.db import migrations

INDEXES = {
    "inc_search_gin": (
        "incidents_incident",
        "to_tsvector('simple'::regconfig, COALESCE(title, '') || ' ' || COALESCE(description, ''))",
    ),
    "inc_comment_search_gin": (
        "incidents_incidentcomment",
        "to_tsvector('simple'::regconfig, COALESCE(body, ''))",
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, expression) in INDEXES.items():
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS {name} ON {table} USING GIN (({expr}))".format(
                name=name, table=table, expr=expression
            )
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute("DROP INDEX IF EXISTS {name}".format(name=name))


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
