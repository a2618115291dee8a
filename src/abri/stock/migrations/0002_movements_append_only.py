"""The database refuses to change or delete a stock movement: the ledger is append-only."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER stock_movement_no_update BEFORE UPDATE ON stock_stockmovement
       BEGIN SELECT RAISE(ABORT, 'stock movements are append-only: record a correction instead'); END""",
    """CREATE TRIGGER stock_movement_no_delete BEFORE DELETE ON stock_stockmovement
       BEGIN SELECT RAISE(ABORT, 'stock movements are append-only: record a correction instead'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS stock_movement_no_update",
    "DROP TRIGGER IF EXISTS stock_movement_no_delete",
]
POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION stock_movement_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'stock movements are append-only: record a correction instead'; END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER stock_movement_no_change BEFORE UPDATE OR DELETE ON stock_stockmovement
       FOR EACH ROW EXECUTE FUNCTION stock_movement_refuse()""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS stock_movement_no_change ON stock_stockmovement",
    "DROP FUNCTION IF EXISTS stock_movement_refuse()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("stock", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        ),
    ]
