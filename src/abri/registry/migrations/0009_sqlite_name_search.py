"""SQLite only: a full-text index (FTS5, trigram tokenizer) of the members' folded names.

A name search is "every word inside the name". PostgreSQL serves it with the trigram index of
migration 0003; SQLite scanned every member (1 s at a million people). This index answers in
milliseconds; triggers keep it in step with registry_individual (see abri/registry/search.py).
"""

from django.db import migrations


def create(apps, schema_editor):
    from abri.registry.search import sqlite_name_index_ensure

    sqlite_name_index_ensure(using=schema_editor.connection.alias)


def drop(apps, schema_editor):
    from abri.registry.search import sqlite_name_index_drop

    sqlite_name_index_drop(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("registry", "0008_choices_checked")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
