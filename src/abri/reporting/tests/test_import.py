"""Partners' 5W rows imported from XLSX: refused row by row with the reason, all or nothing."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.utils import translation
from openpyxl import Workbook

from abri.access.models import Role
from abri.access.selectors import scope_for
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.core.errors import PermissionDenied, ValidationFailed
from abri.core.models import AuditEntry
from abri.reporting.exports import activity_columns
from abri.reporting.fivew import Filters, activities
from abri.reporting.models import PartnerActivity
from abri.reporting.services import partner_activities_import

pytestmark = pytest.mark.django_db

GOOD = {
    "organisation": "NRC",
    "implementing_partner": "AMSS",
    "funder": "ECHO",
    "cluster": "Shelter/NFI",
    "activity": "Distribution de kits ANA",
    "modality": "in kind",
    "item": "Kit ANA",
    "adm1_code": "ML10",
    "adm2_code": "ML1002",
    "site": "Site d'Anderamboukane",
    "status": "completed",
    "start_date": "2022-11-15",
    "end_date": "2022-11-16",
    "households": 40,
    "people": 230,
    "female_0_17": 70,
    "female_18_59": 45,
    "female_60_plus": 10,
    "male_0_17": 60,
    "male_18_59": 35,
    "male_60_plus": 10,
    "idps": 230,
    "with_disabilities": 12,
}


@pytest.fixture(autouse=True)
def _english():
    """The reasons below are matched in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def officer(areas, iom):
    user = UserFactory(username="im.mali")
    MembershipFactory(user=user, organisation=iom, role=Role.INFORMATION_MANAGEMENT_OFFICER, areas=[areas["ML10"]])
    return user


def _file(tmp_path: Path, rows: list[dict]) -> Path:
    """A workbook in the shape of the 5W export: French, English and hashtag rows, then ``rows``."""
    columns = activity_columns()
    workbook = Workbook()
    sheet = workbook.active
    for line in ([c.french for c in columns], [c.english for c in columns], [c.hashtag for c in columns]):
        sheet.append(line)
    for row in rows:
        sheet.append([row.get(column.key, "") for column in columns])
    path = tmp_path / "nrc-5w.xlsx"
    workbook.save(path)
    return path


def test_a_partners_rows_are_imported_and_join_the_5w(tmp_path, officer):
    path = _file(
        tmp_path,
        [
            GOOD,
            GOOD
            | {
                "adm2_code": "ML1003",
                "site": "",
                "households": 5,
                "people": 20,
                "female_0_17": 5,
                "female_18_59": 5,
                "female_60_plus": 0,
                "male_0_17": 5,
                "male_18_59": 5,
                "male_60_plus": 0,
                "idps": 20,
                "with_disabilities": 0,
            },
        ],
    )
    result = partner_activities_import(actor=officer, scope=scope_for(user=officer), path=path, file_name="nrc-5w.xlsx")
    assert (result.created, result.replaced) == (2, 0)
    rows = activities(scope=scope_for(user=officer), filters=Filters())
    assert [(row.source, row.organisation, row.adm2_code, row.households) for row in rows] == [
        ("partner", "NRC", "ML1002", 40),
        ("partner", "NRC", "ML1003", 5),
    ]
    assert rows[0].by_sex_and_age["female_0_17"] == 70
    assert rows[0].end_date == datetime.date(2022, 11, 16)
    assert rows[0].adm2_name == "Anderamboukane"
    assert AuditEntry.objects.filter(action="partner_activities.import").count() == 1


def test_a_file_imported_again_replaces_its_rows(tmp_path, officer):
    scope = scope_for(user=officer)
    partner_activities_import(actor=officer, scope=scope, path=_file(tmp_path, [GOOD]), file_name="nrc-5w.xlsx")
    again = partner_activities_import(
        actor=officer, scope=scope, path=_file(tmp_path, [GOOD | {"households": 41}]), file_name="nrc-5w.xlsx"
    )
    assert (again.created, again.replaced) == (1, 1)
    assert list(PartnerActivity.objects.values_list("households", flat=True)) == [41]


def test_bad_rows_are_refused_one_by_one_with_the_reason_and_nothing_is_written(tmp_path, officer):
    scope = scope_for(user=officer)
    partner_activities_import(actor=officer, scope=scope, path=_file(tmp_path, [GOOD]), file_name="earlier.xlsx")
    bystander = PartnerActivity.objects.get()
    rows = [
        GOOD,
        GOOD | {"adm2_code": "ML1099"},
        GOOD | {"households": -3},
        GOOD | {"male_60_plus": 11},
        GOOD | {"adm1_code": "ML05", "adm2_code": "ML0501"},
    ]
    with pytest.raises(ValidationFailed) as refused:
        partner_activities_import(actor=officer, scope=scope, path=_file(tmp_path, rows), file_name="nrc-5w.xlsx")
    assert refused.value.errors == {
        "row 5": ["#adm2+code (Admin 2 P-code): unknown P-code ML1099"],
        "row 6": ["#reached+hh (Households reached): a count cannot be negative (-3)"],
        "row 7": ["#reached+ind (People reached): the people by sex and age add up to 231, not 230"],
        "row 8": ["#adm1+code (Admin 1 P-code): ML0501 is not in your areas"],
    }
    assert list(PartnerActivity.objects.all()) == [bystander]
    assert PartnerActivity.objects.get().source_file == "earlier.xlsx"


def test_a_refused_row_reads_in_french_by_default(tmp_path, officer):
    with pytest.raises(ValidationFailed) as refused, translation.override("fr"):
        partner_activities_import(
            actor=officer,
            scope=scope_for(user=officer),
            path=_file(tmp_path, [GOOD | {"households": -3}]),
            file_name="nrc-5w.xlsx",
        )
    assert refused.value.errors == {
        "ligne 4": ["#reached+hh (Ménages atteints): un effectif ne peut pas être négatif (-3)"]
    }


def test_a_file_without_the_needed_columns_is_refused_naming_them(tmp_path, officer):
    path = tmp_path / "wrong.csv"
    path.write_text("Organisation;Quoi\nNRC;kits\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as refused:
        partner_activities_import(actor=officer, scope=scope_for(user=officer), path=path, file_name="wrong.csv")
    assert "#activity" in refused.value.errors["file"][0]
    assert "#adm1+code" in refused.value.errors["file"][0]
    assert not PartnerActivity.objects.exists()


def test_a_file_with_the_english_header_only_is_read(tmp_path, officer):
    path = tmp_path / "en.xlsx"
    columns = activity_columns()
    workbook = Workbook()
    workbook.active.append([column.english for column in columns])
    workbook.active.append([GOOD.get(column.key, "") for column in columns])
    workbook.save(path)
    result = partner_activities_import(actor=officer, scope=scope_for(user=officer), path=path, file_name="en.xlsx")
    assert result.created == 1


def test_only_who_may_import(tmp_path, areas):
    viewer = UserFactory(username="distribution.menaka")
    MembershipFactory(
        user=viewer,
        organisation=OrganisationFactory(acronym="IOM"),
        role=Role.DISTRIBUTION_OFFICER,
        areas=[areas["ML10"]],
    )
    with pytest.raises(PermissionDenied):
        partner_activities_import(
            actor=viewer, scope=scope_for(user=viewer), path=_file(tmp_path, [GOOD]), file_name="nrc-5w.xlsx"
        )
    assert not PartnerActivity.objects.exists()
