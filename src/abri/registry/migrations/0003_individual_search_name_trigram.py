"""PostgreSQL only: a trigram index on Individual.search_name.

A name search is ``search_name LIKE '%word%'``; with this index PostgreSQL reads the index
instead of every member of the registry. SQLite has no such index and scans, which is fine
at the embedded scale. Built CONCURRENTLY so a live registry keeps taking registrations.
pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
"""

from django.db import migrations

INDEX = "registry_individual_search_name_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON registry_individual USING gin (search_name gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("registry", "0002_registrationsequence")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
