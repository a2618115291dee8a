"""A file whose columns are not Abri's: the batch says so, and is read again with a mapping."""

import pytest
from django.urls import reverse

from abri.access.tests.factories import OrganisationFactory
from abri.intake.models import BatchStatus, ColumnMapping, ImportBatch
from abri.registry.models import Household

pytestmark = pytest.mark.django_db

PARTNER_CSV = (
    "Numéro ménage;Prénom;Nom;Genre;Lien;Age;Région;Cercle;Consentement;Date consentement;Date\n"
    "M-1;Fadimata;Walet Ahmed;F;head;41;ML10;ML1001;given;2022-11-20;2022-11-20\n"
    "M-1;Alhassane;Ag Ahmed;M;child;9;ML10;ML1001;given;2022-11-20;2022-11-20\n"
    "M-2;Hawa;Maïga;F;head;35;ML10;ML1001;given;2022-11-20;2022-11-20\n"
)
COLUMNS = {
    "Prénom": "given_names", "Nom": "family_name", "Genre": "sex", "Lien": "relationship", "Age": "age_years",
    "Région": "admin1", "Cercle": "admin2", "Consentement": "consent", "Date consentement": "consent_date",
    "Date": "registered_on",
}  # fmt: skip


def _mapping(organisation, name="partenaire"):
    spec = {"layout": "rows", "household_key": "Numéro ménage", "columns": COLUMNS,
            "values": {"sex": {"F": "female", "M": "male"}}}  # fmt: skip
    return ColumnMapping.objects.create(organisation=organisation, name=name, spec=spec)


def _upload(client, tmp_path):
    path = tmp_path / "partenaire.csv"
    path.write_text(PARTNER_CSV, encoding="utf-8")
    with path.open("rb") as handle:
        client.post(reverse("intake:batch_list"), {"upload": handle})
    return ImportBatch.objects.get()


def test_a_file_with_no_known_column_says_so_and_is_read_again_with_a_mapping(client, tmp_path, areas, iom, officer):
    client.force_login(officer)
    batch = _upload(client, tmp_path)
    assert batch.status == BatchStatus.FAILED
    # The page speaks French by default, and the batch keeps the language it was uploaded in.
    assert batch.message.startswith("Aucune colonne de partenaire n'est un champ connu d'Abri (Numéro ménage, Prénom")
    page = client.get(reverse("intake:batch_detail", args=[batch.pk])).content.decode()
    assert reverse("intake:batch_remap", args=[batch.pk]) in page

    mapping = _mapping(iom)
    response = client.post(reverse("intake:batch_remap", args=[batch.pk]), {"mapping": mapping.pk})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.mapping, batch.households_valid, batch.individuals_total) == (
        BatchStatus.VALIDATED, mapping, 2, 3
    )  # fmt: skip
    assert Household.objects.count() == 0  # read again, not committed


def test_another_organisations_mapping_is_refused_and_the_batch_stays_as_it_was(client, tmp_path, areas, iom, officer):
    client.force_login(officer)
    batch = _upload(client, tmp_path)
    foreign = _mapping(OrganisationFactory(acronym="NRC"), name="nrc")
    client.post(reverse("intake:batch_remap", args=[batch.pk]), {"mapping": foreign.pk})
    batch.refresh_from_db()
    assert (batch.status, batch.mapping) == (BatchStatus.FAILED, None)


def test_a_committed_batch_cannot_be_read_again(client, tmp_path, areas, iom, officer):
    client.force_login(officer)
    batch = _upload(client, tmp_path)
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.COMMITTED)
    client.post(reverse("intake:batch_remap", args=[batch.pk]), {"mapping": _mapping(iom).pk})
    batch.refresh_from_db()
    assert (batch.status, batch.mapping) == (BatchStatus.COMMITTED, None)
