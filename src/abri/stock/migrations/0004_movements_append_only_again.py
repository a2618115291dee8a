"""SQLite rebuilds a table to change a constraint (0003), and the rebuilt table has lost its
triggers: set the append-only triggers of 0002 again. PostgreSQL kept its own."""

import importlib

from django.db import migrations

append_only = importlib.import_module("abri.stock.migrations.0002_movements_append_only")


def _sqlite_again(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in append_only.SQLITE_REVERSE + append_only.SQLITE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("stock", "0003_movement_kind_shelter_issue")]

    operations = [migrations.RunPython(_sqlite_again, migrations.RunPython.noop)]
