"""Anonymised microdata: no identifier leaves, every combination is shared by at least k
households, and a scope too small for k gives no file."""

from __future__ import annotations

import datetime
import io
import random

import polars as pl
import pytest
from django.test import Client
from openpyxl import load_workbook

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory
from abri.core.errors import ValidationFailed
from abri.core.models import AuditEntry
from abri.geo.models import AdminArea
from abri.registry.flags import FLAG_FIELDS
from abri.registry.models import Household
from abri.registry.tests.factories import household_saved
from abri.reporting.microdata import microdata_anonymise
from abri.reporting.tests.factories import reached_setting

QUASI = ["adm1", "adm2", "head_age", "head_sex", "size", "displacement_cause", "arrival_year"]


def _features(count: int, *, seed: int = 7) -> pl.DataFrame:
    """Households as `households_features_frame` gives them, varied enough to be unique on their own."""
    draw = random.Random(seed)
    rows = []
    for number in range(count):
        rows.append(
            {
                "household_id": number + 1,
                "registration_number": f"IOM-22-{number + 1:06d}",
                "organisation_id": 1,
                "admin_area": draw.choice(["ML1001", "ML1002", "ML1003", "ML0501", "ML0502"]) + "01",
                "head_age": draw.randint(16, 90),
                "head_sex": draw.choice(["female", "male"]),
                "size": draw.randint(1, 14),
                "displacement_cause": draw.choice(["armed_conflict", "flood", "drought"]),
                "arrival_date": datetime.date(draw.choice([2020, 2021, 2022]), draw.randint(1, 12), 1),
                **{flag: draw.random() < 0.2 for flag in FLAG_FIELDS},
            }
        )
    return pl.DataFrame(rows)


def _smallest(frame: pl.DataFrame) -> int:
    return int(frame.group_by(frame.columns).len()["len"].min())


@pytest.mark.parametrize("k", [2, 5, 10])
def test_every_combination_is_shared_by_at_least_k_households_and_no_identifier_leaves(k):
    features = _features(3000)
    result = microdata_anonymise(features, k=k)
    assert _smallest(result.frame) >= k  # counted here, apart from the code and from pycanon
    assert not {"household_id", "registration_number", "organisation_id", "admin_area", "arrival_date"} & set(
        result.frame.columns
    )
    assert result.suppressed <= 30  # at most 1 % left out
    assert result.frame.height + result.suppressed == 3000
    assert result.smallest >= k


def test_a_larger_k_generalises_more():
    features = _features(3000)
    loose, strict = microdata_anonymise(features, k=2), microdata_anonymise(features, k=25)
    assert strict.frame.unique().height < loose.frame.unique().height


def test_the_same_households_in_another_order_give_the_same_rows():
    features = _features(1000)
    first = microdata_anonymise(features).frame
    again = microdata_anonymise(features.sample(fraction=1, shuffle=True, seed=1)).frame
    assert first.sort(first.columns).equals(again.sort(again.columns))


def test_fewer_households_than_k_are_refused_with_the_reason():
    with pytest.raises(ValidationFailed, match="4"):
        microdata_anonymise(_features(4), k=5)
    with pytest.raises(ValidationFailed):
        microdata_anonymise(_features(50), k=1)


def test_identical_households_are_released_as_they_are():
    features = pl.concat([_features(1)] * 12)
    result = microdata_anonymise(features, k=5)
    assert result.frame.height == 12
    assert result.frame["adm2"].unique().to_list() == [features["admin_area"][0][:6]]  # nothing to hide


@pytest.mark.django_db
def test_the_page_gives_the_file_with_its_notes_and_refuses_a_scope_too_small():
    found = reached_setting()
    client = Client()
    client.force_login(found.im_officer)
    refused = client.get("/reporting/microdata.xlsx", follow=True)
    assert refused.redirect_chain
    assert "k = 5" in refused.content.decode()
    organisation = Household.objects.first().organisation
    for _number in range(6):
        household_saved(organisation=organisation)
    response = client.get("/reporting/microdata.xlsx")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    households, notes = (list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets)
    assert len(households) - 1 == Household.objects.count()
    cells = {str(value) for row in households for value in row}
    for household in Household.objects.all():
        assert household.registration_number not in cells
        for member in household.members.all():
            assert member.given_names not in cells
            assert member.family_name not in cells
    assert ("k (chaque combinaison partagée par au moins)", "5") in notes
    assert AuditEntry.objects.filter(action="reporting.microdata_export").count() == 1
    registration = Client()
    registration.force_login(
        MembershipFactory(
            organisation=organisation, role=Role.REGISTRATION_OFFICER, areas=[AdminArea.objects.get(pk="ML10")]
        ).user
    )
    assert registration.get("/reporting/microdata.xlsx").status_code == 404
