"""Fewer indexes on the registry's largest tables, each of which every import must maintain.

- ``search_name`` loses its two B-trees: it is searched with LIKE '%word%', which only the
  trigram index of 0003 serves (PostgreSQL); SQLite scans either way.
- The keyed hashes (phone, identity number) are looked up by equality: one B-tree each, without
  the pattern-matching twin that ``db_index`` adds on PostgreSQL.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0004_household_merge'),
    ]

    operations = [
        migrations.AlterField(
            model_name='household',
            name='phone_hash',
            field=models.CharField(blank=True, max_length=64, verbose_name='contact phone (keyed hash)'),
        ),
        migrations.AlterField(
            model_name='individual',
            name='id_number_hash',
            field=models.CharField(blank=True, max_length=64, verbose_name='identity document number (keyed hash)'),
        ),
        migrations.AlterField(
            model_name='individual',
            name='search_name',
            field=models.CharField(editable=False, help_text='Lower case, accents removed: filled by the services.', max_length=310, verbose_name='name for search'),
        ),
        migrations.AddIndex(
            model_name='household',
            index=models.Index(fields=['phone_hash'], name='registry_household_phone'),
        ),
        migrations.AddIndex(
            model_name='individual',
            index=models.Index(fields=['id_number_hash'], name='registry_individual_id_hash'),
        ),
    ]
