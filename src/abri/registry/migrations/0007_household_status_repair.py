"""Households whose status is not a lifecycle status (imports wrote a row verdict, ``valid``, into
it) are put back to ``registered``, each with an audit entry naming the value it had; the check
constraints of the next migration then keep such values out."""

from django.db import migrations

LIFECYCLE = ("registered", "relocated", "returned", "inactive", "merged")
REPAIRED = "registered"


def repair(apps, schema_editor):
    Household = apps.get_model("registry", "Household")
    AuditEntry = apps.get_model("core", "AuditEntry")
    wrong = list(Household.objects.exclude(status__in=LIFECYCLE).values_list("pk", "status"))
    if not wrong:
        return
    Household.objects.filter(pk__in=[pk for pk, _status in wrong]).update(status=REPAIRED)
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=None,
                action="household.status_repaired",
                target_type="registry.household",
                target_id=str(pk),
                changes={"status": [status, REPAIRED]},
            )
            for pk, status in wrong
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("registry", "0006_household_version"),
    ]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
