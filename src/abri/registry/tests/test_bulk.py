"""The bulk path gives what the services give: same errors, same derived values, same rows."""

from datetime import date, timedelta

import polars as pl
import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abri.access.tests.factories import OrganisationFactory, UserFactory
from abri.core import crypto
from abri.core.errors import ValidationFailed
from abri.core.models import AuditEntry
from abri.geo.tests.factories import SiteFactory, mali_areas
from abri.registry.bulk import (
    frames_from_inputs,
    households_bulk_update,
    households_check,
    households_prepare,
    households_write_new,
)
from abri.registry.bulk.prepare import household_flags_frame, search_names
from abri.registry.flags import FLAG_FIELDS, household_flags
from abri.registry.inputs import HouseholdInput, IndividualInput
from abri.registry.models import Household, Individual
from abri.registry.normalise import fold
from abri.registry.services import household_create, household_set_status
from abri.registry.tests.factories import household_input, member_input
from abri.registry.validation import References, resolve_household

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
_text = st.sampled_from(["", "x", "female", "male", "head", "spouse", "child", "grandchild", "other_relative"])
_dates = st.one_of(st.none(), st.dates(min_value=date(1890, 1, 1), max_value=TODAY + timedelta(days=30)))


@st.composite
def members(draw):
    return IndividualInput(
        given_names=draw(st.sampled_from(["", "  ", "Fatoumata", "Aïssata", "Straße"])),
        family_name=draw(st.sampled_from(["", "Maïga", "Ag Mohamed"])),
        sex=draw(st.sampled_from(["", "female", "male", "F"])),
        relationship=draw(st.sampled_from(["head", "head", "spouse", "child", "grandchild", "non_relative", "boss"])),
        birth_date=draw(_dates),
        birth_year=draw(st.one_of(st.none(), st.integers(1880, TODAY.year + 2))),
        age_years=draw(st.one_of(st.none(), st.integers(-2, 130))),
        marital_status=draw(st.sampled_from(["", "married", "widowed", "single", "complicated"])),
        wg_seeing=draw(st.sampled_from(["", "no_difficulty", "a_lot_of_difficulty", "bad"])),
        wg_walking=draw(st.sampled_from(["", "cannot_do_at_all"])),
        pregnancy=draw(st.sampled_from(["", "no", "pregnant", "lactating", "maybe"])),
        chronic_illness=draw(st.booleans()),
        id_document_type=draw(st.sampled_from(["", "national_id", "badge"])),
        id_number=draw(st.sampled_from(["", "12 345-ab"])),
    )


@st.composite
def households(draw, site_ids):
    return HouseholdInput(
        admin_area=draw(st.sampled_from(["ML1001", "ML0501", "", "ML9999"])),
        origin_area=draw(st.sampled_from(["", "ML1002", "XX"])),
        site_id=draw(st.sampled_from([None, *site_ids, 999999])),
        consent=draw(st.sampled_from(["given", "refused", "", "oui"])),
        consent_date=draw(st.dates(min_value=date(2020, 1, 1), max_value=TODAY + timedelta(days=3))),
        departure_date=draw(_dates),
        arrival_date=draw(_dates),
        displacement_cause=draw(st.sampled_from(["", "armed_conflict", "war"])),
        phone=draw(st.sampled_from(["", "+223 76 12 34 56", "12", "0022376123456"])),
        status=draw(st.sampled_from(["registered", "", "gone"])),
        registered_on=draw(st.one_of(st.none(), st.dates(min_value=date(2020, 1, 1), max_value=TODAY))),
        members=draw(st.lists(members(), min_size=0, max_size=4)),
    )


def _service_errors(data: HouseholdInput, references: References) -> dict[str, list[str]]:
    try:
        resolve_household(data, existing=None, references=references)
    except ValidationFailed as failure:
        return failure.errors
    return {}


def _bulk_errors(issues: pl.DataFrame, key: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for row in issues.filter(pl.col("key") == key).iter_rows(named=True):
        errors.setdefault(row["field"], []).append(row["message"])
    return errors


@pytest.fixture
def references():
    mali_areas()
    bandiagara = SiteFactory(name="Musée")
    return References.load(), bandiagara.pk


def test_bulk_checks_report_what_the_services_report(references):
    loaded, site_id = references

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(batch=st.lists(households([site_id]), min_size=1, max_size=5))
    def compare(batch):
        household_frame, member_frame = frames_from_inputs(batch)
        issues = households_check(household_frame, member_frame, references=loaded, today=TODAY)
        for key, data in enumerate(batch, start=1):
            assert _bulk_errors(issues, key) == _service_errors(data, loaded)

    compare()


def test_search_names_fold_like_the_services():
    names = ["Aïssata  Maïga", "STRAßE x", "Ag-Mohamed", "", "Walet Intalla ", "Ǆemal Œuvre"]
    assert search_names(pl.Series(names)).to_list() == [fold(name) for name in names]


def test_prepared_values_match_a_household_saved_by_the_services(references):
    organisation = OrganisationFactory(acronym="IOM")
    data = household_input(
        phone="+223 76 12 34 56",
        members=[
            member_input(
                marital_status="widowed",
                birth_date=date(1950, 5, 2),
                id_document_type="national_id",
                id_number="12 345-ab",
            ),
            member_input(given_names="Ali", sex="male", relationship="child", birth_date=None, age_years=9),
            member_input(given_names="Awa", relationship="other_relative", birth_year=2012, birth_date=None),
        ],
    )
    saved = household_create(actor=None, organisation=organisation, data=data)
    household_frame, member_frame = frames_from_inputs([data])
    prepared = households_prepare(household_frame, member_frame, today=TODAY)
    row = prepared.households.row(0, named=True)
    assert {name: row[name] for name in FLAG_FIELDS} == {name: getattr(saved, name) for name in FLAG_FIELDS}
    assert row["size"] == 3
    assert row["phone_hash"] == saved.phone_hash
    assert crypto.decrypt(row["phone_encrypted"]) == "+22376123456"
    stored = list(
        saved.members.order_by("id").values("search_name", "birth_date", "birth_date_precision", "id_number_hash")
    )
    assert (
        prepared.members.select("search_name", "birth_date", "birth_date_precision", "id_number_hash").to_dicts()
        == stored
    )


def test_flags_frame_matches_household_flags_on_generated_households(references):
    loaded, site_id = references

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(batch=st.lists(households([site_id]), min_size=1, max_size=4))
    def compare(batch):
        valid = [data for data in batch if not _service_errors(data, loaded)]
        if not valid:
            return
        household_frame, member_frame = frames_from_inputs(valid)
        prepared = households_prepare(household_frame, member_frame, today=TODAY)
        flags = household_flags_frame(prepared.households, prepared.members).sort("key")
        for key, data in enumerate(valid, start=1):
            _phone, registered_on, resolved = resolve_household(data, existing=None, references=loaded)
            expected = household_flags(resolved, on=registered_on)
            got = flags.filter(pl.col("key") == key).row(0, named=True)
            assert {name: got[name] for name in FLAG_FIELDS} == expected

    compare()


def test_write_new_stores_households_members_heads_and_audit(references):
    organisation = OrganisationFactory(acronym="IOM")
    clerk = UserFactory(username="clerk")
    bystander = household_create(actor=None, organisation=organisation, data=household_input())
    household_frame, member_frame = frames_from_inputs(
        [household_input(phone="76123456"), household_input(registration_number="IOM-22-777777")]
    )
    prepared = households_prepare(household_frame, member_frame, today=TODAY)
    with transaction.atomic():
        written = households_write_new(
            actor=clerk, organisation=organisation, prepared=prepared, audit_changes={"import_batch": 4}
        )
    assert written["registration_number"].to_list() == ["IOM-22-000002", "IOM-22-777777"]
    first = Household.objects.get(registration_number="IOM-22-000002")
    assert first.head.given_names == "Fatoumata"
    assert first.head.household == first
    assert first.size == 3
    assert first.organisation == organisation
    assert first.consent_recorded_by == clerk
    assert crypto.decrypt(first.phone_encrypted) == "+22376123456"
    assert sorted(first.members.values_list("given_names", flat=True)) == ["Aïssata", "Fatoumata", "Moussa"]
    assert Individual.objects.count() == 9
    entry = AuditEntry.objects.get(target_id=str(first.pk), action="household.create")
    assert entry.actor == clerk
    assert entry.changes == {"members": 3, "import_batch": 4}
    bystander.refresh_from_db()
    assert bystander.registration_number == "IOM-22-000001"
    assert bystander.members.count() == 3
    # New rows after the bulk write still get fresh keys.
    later = household_create(actor=None, organisation=organisation, data=household_input())
    assert later.pk > first.pk


def test_write_new_stores_registered_whatever_the_rows_status_column_holds(references):
    organisation = OrganisationFactory(acronym="IOM")
    household_frame, member_frame = frames_from_inputs([household_input()])
    # An import's row verdict in the status column, as a Kobo commit once wrote it.
    household_frame = household_frame.with_columns(pl.lit("valid").alias("status"))
    prepared = households_prepare(household_frame, member_frame, today=TODAY)
    with transaction.atomic():
        households_write_new(actor=None, organisation=organisation, prepared=prepared)
    assert list(Household.objects.values_list("status", flat=True)) == ["registered"]


def test_a_reimport_leaves_status_and_registration_date_and_counts_a_version(references):
    organisation = OrganisationFactory(acronym="IOM")
    household = household_create(actor=None, organisation=organisation, data=household_input())
    household_set_status(actor=None, household=household, status="relocated")
    household_frame, member_frame = frames_from_inputs(
        [household_input(status="registered", registered_on=date(2023, 1, 5), arrival_date=date(2022, 10, 12))]
    )
    prepared = households_prepare(household_frame, member_frame, today=TODAY)
    with transaction.atomic():
        results = households_bulk_update(actor=None, prepared=prepared, household_ids={1: household.pk})
    stored = Household.objects.get(pk=household.pk)
    assert (stored.status, stored.registered_on) == ("relocated", date(2022, 11, 20))
    assert stored.arrival_date == date(2022, 10, 12)  # what a re-import may change, it changes
    assert results[1].fields == ["arrival_date"]
    assert stored.version == 2  # the status change, then the re-import
