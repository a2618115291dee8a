"""Registering households: what is stored, what is derived, what is refused."""

import dataclasses
from datetime import date, timedelta

import pytest
from django.utils import timezone

from abri.access.tests.factories import UserFactory
from abri.core import crypto
from abri.core.errors import ValidationFailed
from abri.core.models import AuditEntry
from abri.geo.tests.factories import SiteFactory
from abri.registry.bulk import MEMBER_SCHEMA, households_bulk_create
from abri.registry.forms import MemberForm
from abri.registry.inputs import MEMBER_INPUT_FIELDS, IndividualInput
from abri.registry.models import Household, Individual
from abri.registry.normalise import phone_normalise
from abri.registry.schemas import MemberIn
from abri.registry.services import (
    household_create,
    household_set_status,
    household_update,
)
from abri.registry.tests.factories import household_input, household_saved, member_input

pytestmark = pytest.mark.django_db


def test_household_create_stores_members_head_number_and_audit(areas, iom):
    clerk = UserFactory(username="clerk")
    household = household_saved(organisation=iom, actor=clerk, phone="+223 76 12 34 56")

    household.refresh_from_db()
    assert household.registration_number == "IOM-22-000001"
    assert household.size == 3
    assert household.head is not None
    assert household.head.given_names == "Fatoumata"
    assert household.consent_recorded_by == clerk
    assert sorted(household.members.values_list("search_name", flat=True)) == [
        "aissata maiga",
        "fatoumata maiga",
        "moussa ag mohamed",
    ]
    child = household.members.get(given_names="Aïssata")
    assert child.birth_date == date(2015, 7, 1)
    assert child.birth_date_precision == "year"
    entry = AuditEntry.objects.get(target_type="registry.household", target_id=str(household.pk))
    assert entry.actor == clerk
    assert entry.action == "household.create"
    assert entry.changes == {"members": 3}


def test_phone_is_encrypted_and_found_by_keyed_hash(areas, iom):
    household = household_saved(organisation=iom, phone="0022376123456")
    household.refresh_from_db()
    assert "76123456" not in household.phone_encrypted
    assert crypto.decrypt(household.phone_encrypted) == "+22376123456"
    assert household.phone_hash == crypto.blind_index("+22376123456", purpose="phone")
    written_otherwise = phone_normalise("76 12 34 56")  # how a search or a second registration writes it
    found = Household.objects.filter(phone_hash=crypto.blind_index(written_otherwise, purpose="phone"))
    assert list(found) == [household]


def test_identity_number_is_encrypted(areas, iom):
    household = household_saved(
        organisation=iom,
        members=[member_input(id_document_type="national_id", id_number="12 345-ab")],
    )
    head = household.members.get()
    assert "12345AB" not in head.id_number_encrypted
    assert crypto.decrypt(head.id_number_encrypted) == "12345AB"
    assert head.id_number_hash == crypto.blind_index("12345AB", purpose="id_number")


def test_flags_are_derived_from_members(areas, iom):
    household = household_saved(
        organisation=iom,
        members=[
            member_input(marital_status="widowed", birth_date=date(1955, 1, 1)),
            member_input(
                given_names="Hamadoun",
                sex="male",
                relationship="child",
                birth_date=date(2012, 5, 5),
                wg_walking="cannot_do_at_all",
            ),
            member_input(given_names="Mariam", relationship="non_relative", birth_date=date(2014, 2, 2)),
        ],
    )
    assert household.female_headed
    assert household.widow_headed
    assert household.elderly_head
    assert household.single_parent
    assert household.member_with_disability
    assert household.unaccompanied_or_separated_child
    assert not household.child_headed
    assert not household.large_household
    assert not household.pregnant_or_lactating_woman


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"admin_area": "ML9999"}, "admin_area"),
        ({"origin_area": "XX01"}, "origin_area"),
        ({"arrival_date": timezone.localdate() + timedelta(days=3)}, "arrival_date"),
        ({"departure_date": date(2022, 10, 10), "arrival_date": date(2022, 10, 1)}, "arrival_date"),
        ({"phone": "12345"}, "phone"),
        ({"members": [member_input(relationship="spouse")]}, "members"),
        ({"members": [member_input(), member_input(given_names="Awa")]}, "members"),
        ({"members": [member_input(birth_date=date(2022, 11, 1))]}, "members[1].birth_date"),
        ({"members": [member_input(sex="male", pregnancy="pregnant")]}, "members[1].pregnancy"),
        ({"members": [member_input(birth_date=None, birth_year=1850)]}, "members[1].birth_year"),
        ({"members": []}, "members"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_is_written(areas, iom, overrides, field):
    bystander = household_saved(organisation=iom)
    with pytest.raises(ValidationFailed) as failure:
        household_create(actor=None, organisation=iom, data=household_input(**overrides))
    assert field in failure.value.errors
    assert list(Household.objects.all()) == [bystander]
    assert Individual.objects.count() == 3
    assert AuditEntry.objects.count() == 1


def test_child_born_in_displacement_is_accepted(areas, iom):
    born_after_arrival = date(2022, 11, 1)
    household = household_saved(
        organisation=iom,
        members=[member_input(), member_input(given_names="Bébé", relationship="child", birth_date=born_after_arrival)],
    )
    assert household.size == 2


def test_site_must_be_in_the_household_area(areas, iom):
    museum = SiteFactory(name="Musée de Bandiagara", admin_area=areas["ML0501"], kind="collective_centre")
    with pytest.raises(ValidationFailed) as failure:
        household_saved(organisation=iom, admin_area="ML1001", site_id=museum.pk)
    assert "site_id" in failure.value.errors
    household = household_saved(organisation=iom, admin_area="ML0501", site_id=museum.pk)
    assert household.site == museum


def test_household_update_adds_changes_and_removes_members(areas, iom):
    household = household_saved(organisation=iom)
    bystander = household_saved(organisation=iom)
    head, spouse, child = household.members.order_by("id")
    data = household_input(
        members=[
            member_input(id=head.pk, given_names="Fatoumata", marital_status="widowed"),
            member_input(id=child.pk, given_names="Aïssata", relationship="child", birth_year=2015, birth_date=None),
            member_input(given_names="Ousmane", sex="male", relationship="child", birth_date=date(2018, 1, 1)),
        ],
        status="relocated",
    )
    updated = household_update(actor=None, household=household, data=data)
    assert updated.status == "relocated"
    assert updated.widow_headed
    assert set(updated.members.values_list("given_names", flat=True)) == {"Fatoumata", "Aïssata", "Ousmane"}
    assert not Individual.objects.filter(pk=spouse.pk).exists()
    assert updated.head_id == head.pk
    assert bystander.members.count() == 3
    entry = AuditEntry.objects.filter(action="household.update").get()
    assert entry.changes["members_removed"] == 1
    assert "status" in entry.changes["fields"]


def test_update_refuses_a_member_of_another_household(areas, iom):
    household = household_saved(organisation=iom)
    other = household_saved(organisation=iom)
    stranger = other.members.first()
    with pytest.raises(ValidationFailed) as failure:
        household_update(actor=None, household=household, data=household_input(members=[member_input(id=stranger.pk)]))
    assert "members[1].id" in failure.value.errors
    assert household.members.count() == 3


def test_bulk_create_is_all_or_nothing(areas, iom):
    good = household_input()
    bad = household_input(admin_area="ML0000")
    with pytest.raises(ValidationFailed) as failure:
        households_bulk_create(actor=None, organisation=iom, households=[good, bad])
    assert "households[2].admin_area" in failure.value.errors
    assert Household.objects.count() == 0

    created = households_bulk_create(actor=None, organisation=iom, households=[good, good, good])
    assert created["registration_number"].to_list() == ["IOM-22-000001", "IOM-22-000002", "IOM-22-000003"]
    assert created["size"].to_list() == [3, 3, 3]
    assert Individual.objects.count() == 9
    for household in Household.objects.all():
        assert household.head.relationship == "head"
        assert household.head.household_id == household.pk
    assert AuditEntry.objects.filter(action="household.create").count() == 3


def test_bulk_create_stores_a_household_as_the_form_does(areas, iom):
    data = household_input(phone="76 12 34 56")
    one = household_create(actor=None, organisation=iom, data=data)
    many = households_bulk_create(actor=None, organisation=iom, households=[data])
    other = Household.objects.get(pk=many["household_id"][0])
    fields = [f.attname for f in Household._meta.concrete_fields if f.attname not in _OWN]
    assert [getattr(other, name) for name in fields] == [getattr(one, name) for name in fields]
    member = [f.attname for f in Individual._meta.concrete_fields if f.attname not in _OWN_MEMBER]
    ours = sorted(tuple(getattr(m, name) for name in member) for m in one.members.all())
    theirs = sorted(tuple(getattr(m, name) for name in member) for m in other.members.all())
    assert theirs == ours


# What differs between two registrations of the same household: ids, times, numbers, ciphertexts.
_OWN = {"id", "created_at", "updated_at", "registration_number", "head_id", "phone_encrypted", "version"}
_OWN_MEMBER = {"id", "created_at", "updated_at", "household_id", "id_number_encrypted"}


def test_status_follows_the_lifecycle(areas, iom):
    household = household_saved(organisation=iom)
    household = household_set_status(actor=None, household=household, status="relocated")
    household = household_set_status(actor=None, household=household, status="inactive")
    with pytest.raises(ValidationFailed) as failure:
        household_set_status(actor=None, household=household, status="relocated")
    assert "status" in failure.value.errors
    household.refresh_from_db()
    assert household.status == "inactive"
    entries = AuditEntry.objects.filter(action="household.set_status").order_by("id")
    assert [entry.changes["status"] for entry in entries] == [["registered", "relocated"], ["relocated", "inactive"]]


def test_update_cannot_skip_the_lifecycle(areas, iom):
    household = household_saved(organisation=iom)
    household_set_status(actor=None, household=household, status="inactive")
    with pytest.raises(ValidationFailed) as failure:
        household_update(actor=None, household=household, data=household_input(status="relocated"))
    assert "status" in failure.value.errors
    household.refresh_from_db()
    assert household.status == "inactive"


def test_a_taken_registration_number_is_refused_by_name(areas, iom):
    household_saved(organisation=iom, registration_number="IOM-22-000777")
    with pytest.raises(ValidationFailed) as failure:
        household_saved(organisation=iom, registration_number="IOM-22-000777")
    assert "registration_number" in failure.value.errors
    assert Household.objects.count() == 1


def test_every_way_in_names_a_member_with_the_fields_of_the_one_declaration():
    """`IndividualInput` declares a member; the API schema, the form, the bulk frame and the
    model carry exactly its fields (the API adds how a read gave the birth, the form how it is typed)."""
    declared = set(MEMBER_INPUT_FIELDS)
    assert set(MemberIn.model_fields) - {"id", "birth_date_precision"} == declared
    assert set(MemberForm.base_fields) - {"id", "birth_mode"} == declared
    assert set(MEMBER_SCHEMA) - {"household_key", "position"} == declared
    stored = {field.name for field in Individual._meta.concrete_fields}
    assert declared - {"birth_year", "age_years", "id_number"} <= stored  # the birth is stored as a date
    for item in dataclasses.fields(IndividualInput):
        if item.name in declared and item.default is not dataclasses.MISSING:
            assert MemberIn.model_fields[item.name].default == item.default, item.name
