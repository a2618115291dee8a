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
