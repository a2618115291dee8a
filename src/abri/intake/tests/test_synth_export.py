"""`abri synth --format kobo` writes a Kobo export that Abri imports whole, with the people drawn."""

from collections import Counter

import openpyxl
import polars as pl
import pytest
from django.utils import timezone

from abri.core import crypto
from abri.intake.models import BatchStatus
from abri.intake.services import batch_commit, batch_commit_request, batch_create, batch_validate
from abri.registry.models import Household, Individual
from abri.registry.normalise import phone_normalise
from abri.synth.kobo import FORM_TITLE, REPEAT_SHEET, kobo_xlsx_write
from abri.synth.people import SynthSpec, synth_population

pytestmark = pytest.mark.django_db


def test_a_synthetic_kobo_export_imports_every_household_and_member_as_drawn(tmp_path, areas, iom, officer):
    spec = SynthSpec(
        households=60, seed=5, areas=("ML1001", "ML0501"), origin_areas=("ML1002", "ML1003"), today=timezone.localdate()
    )
    population = synth_population(spec)
    path = kobo_xlsx_write(population, tmp_path / "kobo-export.xlsx", seed=5, today=spec.today)

    batch = batch_create(actor=officer, organisation=iom, files=[(path, path.name)])
    batch = batch_validate(batch_id=batch.pk)
    assert (batch.households_total, batch.individuals_total) == (60, population.individuals.height)
    assert batch.households_invalid == 0
    assert list(batch.issues.filter(severity="error")) == []
    batch = batch_commit_request(actor=officer, batch=batch)
    batch = batch_commit(batch_id=batch.pk, actor=officer, include_duplicates=True)

    assert batch.status == BatchStatus.COMMITTED
    assert Household.objects.count() == 60
    drawn = population.individuals
    stored = Individual.objects.values_list("given_names", "family_name", "sex", "relationship", "id_document_type")
    expected = drawn.select("given_names", "family_name", "sex", "relationship", "id_document_type").rows()
    assert Counter(stored) == Counter(expected)
    exact = drawn.filter(pl.col("birth_date").is_not_null())
    assert Counter(exact["birth_date"].to_list()) <= Counter(Individual.objects.values_list("birth_date", flat=True))
    phones = {phone_normalise(phone) for phone in population.households["phone"].to_list() if phone}
    stored_phones = {crypto.decrypt(token) for token in Household.objects.values_list("phone_encrypted", flat=True)}
    assert stored_phones - {""} == phones
    assert set(Household.objects.values_list("admin_area_id", flat=True)) == {"ML1001", "ML0501"}


def test_the_kobo_export_is_a_workbook_excel_reads_with_the_kobo_columns(tmp_path):
    spec = SynthSpec(households=12, seed=2, areas=("ML1001",), today=timezone.localdate())
    population = synth_population(spec)

    path = kobo_xlsx_write(population, tmp_path / "kobo-export.xlsx", seed=2, today=spec.today)

    workbook = openpyxl.load_workbook(path, read_only=True)
    assert workbook.sheetnames == [FORM_TITLE, REPEAT_SHEET]
    main = list(workbook[FORM_TITLE].iter_rows(values_only=True))
    members = list(workbook[REPEAT_SHEET].iter_rows(values_only=True))
    assert len(main) == 13
    assert len(members) == population.individuals.height + 1
    head, first = main[0], dict(zip(main[0], main[1], strict=True))
    assert {"_uuid", "_index", "_submission_time", "admin1", "admin2", "today"} <= set(head)
    assert first["admin2"] == "ML1001"
    assert first["today"].date() == population.households["registered_on"][0]
    member = dict(zip(members[0], members[1], strict=True))
    assert member["_submission__uuid"] == first["_uuid"]
    assert member["_parent_index"] == first["_index"] == 1
    assert len({row[head.index("_uuid")] for row in main[1:]}) == 12
