"""Likely duplicates found by the engine at validation, the choice at commit, and the scope of a commit."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory
from abri.intake import staging
from abri.intake.models import BatchStatus, ImportedSubmission, LikelyDuplicate
from abri.intake.services import batch_commit, batch_commit_request, batch_create, batch_validate
from abri.intake.tests.factories import household_row, kobo_workbook, member_row, submission_uuid
from abri.registry.models import Household
from abri.registry.tests.factories import household_saved, member_input

pytestmark = pytest.mark.django_db


def _validated(officer, organisation, path):
    batch = batch_create(actor=officer, organisation=organisation, files=[(path, path.name)])
    return batch_validate(batch_id=batch.pk)


def _committed(actor, batch, **options):
    batch = batch_commit_request(actor=actor, batch=batch)
    return batch_commit(batch_id=batch.pk, actor=actor, **options)


def _maiga_again(number: int) -> list[dict]:
    """The Maïga household as another partner wrote it down: other spellings, a full date for the child."""
    return [
        member_row(number, given_names="Fatimata", family_name="Maiga", marital_status="married"),
        member_row(
            number,
            given_names="Mousa",
            family_name="Ag-Mohamed",
            sex="male",
            relationship="spouse",
            marital_status="married",
        ),
        member_row(
            number, given_names="Aissata", relationship="child", birth_date=date(2015, 6, 1), marital_status="single"
        ),
    ]


def _toure(number: int) -> list[dict]:
    return [
        member_row(number, given_names="Ibrahim", family_name="Touré", sex="male", birth_date=date(1971, 6, 2)),
        member_row(
            number,
            given_names="Mariam",
            family_name="Cissé",
            relationship="spouse",
            birth_date=date(1990, 1, 9),
            marital_status="married",
        ),
    ]


@pytest.fixture
def registered(areas, iom):
    """The Maïga household (Fatoumata, Moussa Ag Mohamed, Aïssata) and a bystander, registered by IOM."""
    bystander = household_saved(
        organisation=iom,
        admin_area="ML1002",
        members=[
            member_input(given_names="Oumar", family_name="Diallo", sex="male", birth_date=date(1966, 2, 1)),
            member_input(given_names="Kadiatou", family_name="Sangaré", relationship="spouse"),
        ],
    )
    return {"maiga": household_saved(organisation=iom), "bystander": bystander}


def test_a_re_registered_household_is_flagged_with_the_registered_household(tmp_path, iom, officer, registered):
    path = kobo_workbook(
        tmp_path / "again.xlsx", [household_row(1, phone=""), household_row(2, phone="")], _maiga_again(1) + _toure(2)
    )
    batch = _validated(officer, iom, path)
    assert batch.households_likely_duplicate == 1
    [flag] = LikelyDuplicate.objects.filter(batch=batch)
    assert flag.registered_household == registered["maiga"]
    assert (flag.submission_id, flag.row) == (submission_uuid(1), 2)
    assert flag.members_matched == 3
    assert flag.size == 3
    assert flag.probability > 0.9
    assert "household: two or more other members match" in flag.evidence
    households = staging.frame_read(batch, "households")
    assert households.sort("_row")["likely_duplicate"].to_list() == [True, False]
    # The exact flags of validation are untouched: nothing here is an error or an exact duplicate.
    assert (batch.households_valid, batch.households_duplicate) == (2, 0)


def test_a_clean_batch_is_not_flagged(tmp_path, iom, officer, registered):
    batch = _validated(officer, iom, kobo_workbook(tmp_path / "clean.xlsx", [household_row(1, phone="")], _toure(1)))
    assert batch.status == BatchStatus.VALIDATED
    assert batch.households_likely_duplicate == 0
    assert not LikelyDuplicate.objects.filter(batch=batch).exists()


def test_two_households_of_one_batch_that_are_one_are_flagged_together(tmp_path, iom, officer, registered):
    rows = [household_row(1, phone=""), household_row(2, phone="")]
    batch = _validated(officer, iom, kobo_workbook(tmp_path / "twice.xlsx", rows, _toure(1) + _toure(2)))
    flags = LikelyDuplicate.objects.filter(batch=batch).order_by("row")
    assert [(flag.row, flag.other_row, flag.registered_household) for flag in flags] == [(2, 3, None), (3, 2, None)]


def test_a_batch_above_the_size_for_pairs_inside_it_is_still_compared_with_the_registry(
    tmp_path, iom, officer, registered, settings
):
    settings.ABRI_BATCH_PAIRS_MAX_PEOPLE = 5  # two Touré households of 2 and the Maïga of 3 make 7 people
    rows = [household_row(1, phone=""), household_row(2, phone=""), household_row(3, phone="")]
    path = kobo_workbook(tmp_path / "big.xlsx", rows, _toure(1) + _toure(2) + _maiga_again(3))
    batch = _validated(officer, iom, path)
    flags = LikelyDuplicate.objects.filter(batch=batch)
    assert [(flag.row, flag.registered_household) for flag in flags] == [(4, registered["maiga"])]
    client = Client()
    client.force_login(officer)
    page = client.get(reverse("intake:batch_detail", args=[batch.pk])).content.decode()
    assert "elles ont été comparées au registre, pas entre elles" in page


def test_a_large_batch_into_an_empty_registry_is_validated_with_nothing_flagged(
    tmp_path, areas, iom, officer, settings
):
    settings.ABRI_BATCH_PAIRS_MAX_PEOPLE = 3  # the two Touré households (one family written twice) make 4 people
    rows = [household_row(1, phone=""), household_row(2, phone="")]
    batch = _validated(officer, iom, kobo_workbook(tmp_path / "first.xlsx", rows, _toure(1) + _toure(2)))
    assert batch.status == BatchStatus.VALIDATED
    assert (batch.households_valid, batch.households_likely_duplicate) == (2, 0)


def test_the_choice_at_commit_leaves_the_likely_duplicates_in_the_batch(tmp_path, iom, officer, registered):
    path = kobo_workbook(
        tmp_path / "again.xlsx", [household_row(1, phone=""), household_row(2, phone="")], _maiga_again(1) + _toure(2)
    )
    batch = _committed(officer, _validated(officer, iom, path), hold_likely_duplicates=True)
    assert batch.status == BatchStatus.PARTIALLY_COMMITTED
    assert batch.households_created == 1
    assert list(ImportedSubmission.objects.values_list("submission_id", flat=True)) == [submission_uuid(2)]
    assert Household.objects.count() == 3  # the two registered before, and the Touré household
    staged = staging.frame_read(batch, "households").sort("_row")
    assert staged.select("verdict", "likely_duplicate").rows() == [("valid", True), ("committed", False)]

    # Reviewed: the reviewer commits it after all.
    batch = _committed(officer, batch, hold_likely_duplicates=False)
    assert batch.households_created == 1
    assert ImportedSubmission.objects.count() == 2


def test_the_batch_page_shows_each_likely_duplicate_and_offers_the_choice(tmp_path, iom, officer, registered):
    path = kobo_workbook(tmp_path / "again.xlsx", [household_row(1, phone="")], _maiga_again(1))
    batch = _validated(officer, iom, path)
    client = Client()
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    table = page.split('class="likely-duplicates"')[1].split("</table>")[0]
    assert registered["maiga"].registration_number in table
    assert "3 of 3" in table
    assert 'name="likely_duplicates" value="hold"' in page

    client.post(f"/imports/{batch.pk}/commit/", {"likely_duplicates": "hold"})
    batch.refresh_from_db()
    assert batch.households_created == 0
    assert not ImportedSubmission.objects.exists()


def test_a_commit_leaves_households_outside_the_users_scope_with_an_error(tmp_path, areas, iom):
    menaka = MembershipFactory(organisation=iom, role=Role.REGISTRATION_OFFICER, areas=[areas["ML10"]]).user
    rows = [
        household_row(1, phone=""),
        household_row(2, phone="", **{"location/admin1": "ML05", "location/admin2": "ML0501"}),
    ]
    batch = _validated(menaka, iom, kobo_workbook(tmp_path / "two-regions.xlsx", rows, _toure(1) + _maiga_again(2)))
    assert batch.households_valid == 2
    batch = _committed(menaka, batch)
    assert batch.status == BatchStatus.PARTIALLY_COMMITTED
    assert batch.households_created == 1
    assert list(Household.objects.values_list("admin_area_id", flat=True)) == ["ML1001"]
    problems = list(batch.issues.values_list("severity", "sheet", "row", "column", "field", "submission_id"))
    assert problems == [("error", "Enregistrement des ménages", 3, "location/admin2", "admin_area", submission_uuid(2))]
    assert "ML0501" in batch.issues.get().message
    assert "outside your scope" in batch.issues.get().message
    assert (batch.households_valid, batch.households_invalid) == (1, 1)
    staged = staging.frame_read(batch, "households").sort("_row")
    assert staged["verdict"].to_list() == ["committed", "invalid"]
