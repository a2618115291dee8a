"""Contact phones kept in international form (+22376123456), any country: the phones registered
before, kept as Mali's 8 digits, are rewritten so, and their keyed hashes with them, so that a
search or a duplicate check by phone finds old and new registrations alike."""

from django.db import migrations


def phones_international(apps, schema_editor):
    from abri.core import crypto
    from abri.registry.normalise import phone_normalise

    Household = apps.get_model("registry", "Household")
    rows = Household.objects.exclude(phone_encrypted="").only("id", "phone_encrypted").order_by("id")
    changed = []
    for household in rows.iterator(chunk_size=2000):
        written = crypto.decrypt(household.phone_encrypted)
        try:
            phone = phone_normalise(written)
        except ValueError:
            continue  # kept as it was: the household's page shows it and an officer corrects it
        if phone != written:
            household.phone_encrypted = crypto.encrypt(phone)
            household.phone_hash = crypto.blind_index(phone, purpose="phone")
            changed.append(household)
        if len(changed) >= 2000:
            Household.objects.bulk_update(changed, ["phone_encrypted", "phone_hash"])
            changed = []
    Household.objects.bulk_update(changed, ["phone_encrypted", "phone_hash"])


class Migration(migrations.Migration):
    dependencies = [("registry", "0010_household_location")]

    operations = [migrations.RunPython(phones_international, migrations.RunPython.noop, elidable=True)]
