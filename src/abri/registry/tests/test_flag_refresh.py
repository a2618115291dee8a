"""The daily refresh of age-based flags: a head who turned 60 becomes an elderly head, and so on."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from abri.core.models import AuditEntry
from abri.registry.flag_refresh import households_refresh_flags
from abri.registry.models import Household
from abri.registry.tests.factories import household_saved, member_input

pytestmark = pytest.mark.django_db


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _household(iom, *, head_born: date, registered_on: date, **head) -> Household:
    return household_saved(
        organisation=iom,
        registered_on=registered_on,
        consent_date=registered_on,
        departure_date=registered_on - timedelta(days=10),
        arrival_date=registered_on - timedelta(days=3),
        members=[member_input(birth_date=head_born, **{"marital_status": "widowed", **head})],
    )


def test_a_head_who_turned_60_since_registration_gets_the_elderly_head_flag(areas, iom):
    today = timezone.localdate()
    registered_on = _years_before(today, 2)
    household = _household(iom, head_born=_years_before(today, 60), registered_on=registered_on)
    assert household.elderly_head is False  # 58 on the day she was registered

    output = io.StringIO()
    call_command("refresh-flags", stdout=output)

    household.refresh_from_db()
    assert household.elderly_head is True
    assert household.female_headed is True  # the flags that do not depend on age are kept
    assert household.widow_headed is True
    entry = AuditEntry.objects.get(action="household.flags_refreshed", target_id=str(household.pk))
    assert entry.actor is None
    assert entry.changes == {"elderly_head": [False, True], "ages_on": today.isoformat()}
    assert "1/1 households checked, 1 with changed flags" in output.getvalue()
    assert f"Flags refreshed with the ages on {today.isoformat()}: 1 of 1 households changed." in output.getvalue()


def test_running_it_again_the_same_day_changes_nothing(areas, iom):
    today = timezone.localdate()
    household = _household(iom, head_born=_years_before(today, 60), registered_on=_years_before(today, 2))
    call_command("refresh-flags", stdout=io.StringIO())
    household.refresh_from_db()
    updated_at = household.updated_at

    output = io.StringIO()
    call_command("refresh-flags", stdout=output)

    household.refresh_from_db()
    assert household.elderly_head is True
    assert household.updated_at == updated_at
    assert AuditEntry.objects.filter(action="household.flags_refreshed").count() == 1
    assert "0 of 1 households changed" in output.getvalue()


def test_the_flag_comes_on_the_birthday_not_the_day_before(areas, iom):
    birthday = date(2025, 6, 15)
    household = _household(iom, head_born=date(1965, 6, 15), registered_on=date(2024, 1, 10))

    households_refresh_flags(on=birthday - timedelta(days=1))
    household.refresh_from_db()
    assert household.elderly_head is False

    households_refresh_flags(on=birthday)
    household.refresh_from_db()
    assert household.elderly_head is True


def test_a_child_head_who_turned_18_is_no_longer_child_headed(areas, iom):
    household = _household(
        iom, head_born=date(2006, 5, 1), registered_on=date(2023, 9, 1), sex="male", marital_status=""
    )
    assert household.child_headed is True  # 17 when registered

    result = households_refresh_flags(on=date(2024, 5, 1))

    household.refresh_from_db()
    assert household.child_headed is False
    assert (result.checked, result.changed) == (1, 1)


def test_households_are_refreshed_in_batches_with_progress(areas, iom):
    for _ in range(5):
        household_saved(organisation=iom)
    seen = []

    result = households_refresh_flags(on=date(2026, 1, 1), batch_size=2, progress=seen.append)

    assert [(step.checked, step.total) for step in seen] == [(2, 5), (4, 5), (5, 5)]
    assert result.checked == 5


def test_a_batch_size_below_one_is_refused_with_the_option_named(areas, iom):
    with pytest.raises(Exception, match="--batch-size: expected 1 or more households, got 0"):
        call_command("refresh-flags", "--batch-size", "0", stdout=io.StringIO())


def test_a_household_whose_ages_cross_no_threshold_is_left_as_it_is(areas, iom):
    household = household_saved(organisation=iom)  # head born in 1980, child in 2015: no threshold in 2026
    updated_at = household.updated_at

    result = households_refresh_flags(on=date(2026, 1, 1))

    household.refresh_from_db()
    assert (household.single_parent, household.elderly_head, household.child_headed) == (False, False, False)
    assert household.updated_at == updated_at
    assert result.changed == 0
    assert not AuditEntry.objects.filter(action="household.flags_refreshed").exists()
