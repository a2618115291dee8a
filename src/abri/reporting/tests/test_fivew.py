"""The 5W derived from the handovers: who, where, when, and the people reached counted right."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings

from abri.access.models import Role
from abri.access.selectors import scope_for
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.reporting.fivew import Filters, activities
from abri.reporting.models import ReportingProfile
from abri.reporting.tests.factories import reached_setting
from abri.shelter.services import allocation_end, allocation_record
from abri.shelter.tests.factories import household_at, officer, site, unit_completed

pytestmark = pytest.mark.django_db


def test_a_distribution_is_one_5w_row_of_the_households_that_received_their_kit():
    found = reached_setting()
    ReportingProfile.objects.create(programme=found.setting.programme, funder="ECHO", activity="NFI kits")
    [row] = activities(scope=scope_for(user=found.im_officer), filters=Filters())
    assert (row.organisation, row.implementing_partner, row.funder, row.cluster, row.activity, row.modality) == (
        "IOM",
        "IOM",
        "ECHO",
        "Shelter/NFI",
        "NFI kits",
        "in_kind",
    )
    assert (row.adm1_code, row.adm2_code, row.adm2_name) == ("ML10", "ML1001", "Ménaka")
    assert (row.start_date, row.end_date, row.status) == (
        datetime.date(2022, 12, 2),
        datetime.date(2022, 12, 5),
        "ongoing",
    )
    # Two households handed over; the absent one (and its cancelled handover) is not counted.
    assert (row.households, row.people) == (2, 5)
    assert row.by_sex_and_age == {
        "female_0_17": 1,  # Awa, 7
        "female_18_59": 1,  # Aminata
        "female_60_plus": 1,  # Kadidia, 67
        "male_0_17": 0,
        "male_18_59": 1,  # Ousmane, 18 on the first day
        "male_60_plus": 1,  # Hamadoun
    }
    assert (row.idps, row.with_disabilities) == (5, 1)


@override_settings(ABRI_REPORTING_AGE_GROUPS=(0, 5, 18, 60))
def test_the_age_groups_are_a_setting():
    found = reached_setting()
    [row] = activities(scope=scope_for(user=found.im_officer), filters=Filters())
    assert list(row.by_sex_and_age) == [
        "female_0_4",
        "female_5_17",
        "female_18_59",
        "female_60_plus",
        "male_0_4",
        "male_5_17",
        "male_18_59",
        "male_60_plus",
    ]
    assert row.by_sex_and_age["female_5_17"] == 1


def test_the_5w_keeps_to_the_viewers_scope_and_the_filters():
    found = reached_setting()
    other = UserFactory(username="im.unhcr")
    MembershipFactory(
        user=other,
        organisation=OrganisationFactory(acronym="UNHCR"),
        role=Role.INFORMATION_MANAGEMENT_OFFICER,
        all_areas=True,
        all_programmes=True,
    )
    registration = UserFactory(username="registration.iom")
    MembershipFactory(user=registration, organisation=found.setting.iom, role=Role.REGISTRATION_OFFICER, all_areas=True)
    scope = scope_for(user=found.im_officer)
    assert activities(scope=scope_for(user=other), filters=Filters()) == []
    assert activities(scope=scope_for(user=registration), filters=Filters()) == []  # no reporting.view_reports
    assert activities(scope=scope, filters=Filters(start=datetime.date(2022, 12, 6))) == []
    assert activities(scope=scope, filters=Filters(end=datetime.date(2022, 12, 1))) == []
    assert activities(scope=scope, filters=Filters(area="ML1002")) == []
    assert len(activities(scope=scope, filters=Filters(area="ML10", start=datetime.date(2022, 12, 5)))) == 1
    assert len(activities(scope=scope, filters=Filters(programme_id=found.setting.programme.pk))) == 1


def test_shelters_handed_to_households_are_a_5w_row_per_site_and_type(areas, iom):
    user = officer(organisation=iom, area=areas["ML0501"], name="shelter.bandiagara")
    planned = site(area=areas["ML0501"], organisation=iom, name="Site planifié", capacity=10)
    first, second = (household_at(organisation=iom, at=planned, members=n) for n in (3, 2))
    scope = scope_for(user=user)
    temporary = [unit_completed(user=user, at=planned, code=f"T-0{n}", kind="TEMPORARY") for n in (1, 2)]
    semi_hard = unit_completed(user=user, at=planned, code="S-01")
    allocation_record(actor=user, scope=scope, unit=temporary[0], household=first, on=datetime.date(2022, 9, 25))
    allocation_record(actor=user, scope=scope, unit=temporary[1], household=second, on=datetime.date(2022, 9, 27))
    allocation_end(
        actor=user,
        scope=scope,
        allocation=temporary[0].allocations.get(),
        on=datetime.date(2022, 10, 1),
        reason="Abri semi-durable prêt",
    )
    allocation_record(actor=user, scope=scope, unit=semi_hard, household=first, on=datetime.date(2022, 10, 1))
    im = MembershipFactory(
        user=UserFactory(), organisation=iom, role=Role.INFORMATION_MANAGEMENT_OFFICER, all_areas=True
    )
    rows = [row for row in activities(scope=scope_for(user=im.user), filters=Filters()) if row.source == "shelter"]
    by_item = {row.item: row for row in rows}
    assert set(by_item) == {"Abri temporaire", "Abri semi-durable amélioré"}
    temporary_row = by_item["Abri temporaire"]
    assert (temporary_row.households, temporary_row.people, temporary_row.site) == (2, 5, "Site planifié")
    assert (temporary_row.start_date, temporary_row.end_date) == (
        datetime.date(2022, 9, 25),
        datetime.date(2022, 9, 27),
    )
    assert (temporary_row.adm2_code, temporary_row.status, temporary_row.cluster) == (
        "ML0501",
        "completed",
        "Shelter/NFI",
    )
    assert (by_item["Abri semi-durable amélioré"].households, by_item["Abri semi-durable amélioré"].people) == (1, 3)
    # A period before the semi-hard shelters: the temporary ones only; a programme: none (shelters have none).
    early = activities(scope=scope_for(user=im.user), filters=Filters(end=datetime.date(2022, 9, 30)))
    assert [row.item for row in early if row.source == "shelter"] == ["Abri temporaire"]
    assert not [row for row in activities(scope=scope_for(user=user), filters=Filters()) if row.source == "shelter"]
