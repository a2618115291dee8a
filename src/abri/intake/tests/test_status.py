"""An imported household starts its lifecycle registered; a re-import never moves it in its lifecycle."""

from datetime import date

import pytest

from abri.intake.models import ImportedSubmission
from abri.intake.services import batch_commit, batch_commit_request, batch_create, batch_validate
from abri.intake.tests.factories import family, household_row, kobo_workbook
from abri.registry.models import Household, HouseholdStatus

pytestmark = pytest.mark.django_db


def _imported(officer, organisation, path):
    batch = batch_create(actor=officer, organisation=organisation, files=[(path, path.name)])
    batch = batch_validate(batch_id=batch.pk)
    batch = batch_commit_request(actor=officer, batch=batch)
    return batch_commit(batch_id=batch.pk, actor=officer)


def test_an_imported_household_is_registered_not_valid(tmp_path, areas, iom, officer):
    path = kobo_workbook(tmp_path / "export.xlsx", [household_row(1), household_row(2)], family(1) + family(2))
    batch = _imported(officer, iom, path)
    assert batch.households_created == 2
    stored = list(Household.objects.order_by("pk").values_list("status", "registered_on"))
    assert stored == [(HouseholdStatus.REGISTERED, date(2022, 11, 20))] * 2


def test_a_reimport_keeps_the_status_and_the_registration_date(tmp_path, areas, iom, officer):
    _imported(officer, iom, kobo_workbook(tmp_path / "first.xlsx", [household_row(1)], family(1)))
    household = ImportedSubmission.objects.get().household
    # Later in its life the household moved to another site (the lifecycle, not the import).
    Household.objects.filter(pk=household.pk).update(status=HouseholdStatus.RELOCATED)

    again = household_row(1, today=date(2023, 2, 1), phone="76 00 00 01")
    batch = _imported(officer, iom, kobo_workbook(tmp_path / "again.xlsx", [again], family(1)))
    assert batch.households_updated == 1  # the phone number changed: the household was updated
    household.refresh_from_db()
    assert household.status == HouseholdStatus.RELOCATED
    assert household.registered_on == date(2022, 11, 20)
