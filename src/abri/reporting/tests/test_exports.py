"""The 5W and indicator files: three header rows, HXL that libhxl reads and validates, no personal data."""

from __future__ import annotations

import io

import hxl
import pytest
from django.test import override_settings
from openpyxl import load_workbook

from abri.access.selectors import scope_for
from abri.reporting import exports
from abri.reporting.fivew import Filters, activities
from abri.reporting.indicators import indicators_by_area
from abri.reporting.tests.factories import reached_setting

pytestmark = pytest.mark.django_db


def _hxl_rows(content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    data = hxl.data(hxl.input.make_input(io.BytesIO(content)))
    tags = [column.display_tag for column in data.columns]
    return tags, [dict(zip(tags, row.values, strict=True)) for row in data]


def test_the_5w_csv_has_french_english_and_hxl_rows_and_validates_with_libhxl():
    found = reached_setting()
    columns, table = exports.activity_table(activities(scope=scope_for(user=found.im_officer), filters=Filters()))
    content = exports.table_csv(columns, table)
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Organisation,Partenaire de mise en œuvre,Bailleur,Cluster,Activité")
    assert lines[1].startswith("Organisation,Implementing partner,Funder,Cluster,Activity")
    assert lines[2].startswith("#org+prog,#org+impl,#org+funder,#sector+cluster,#activity")
    tags, rows = _hxl_rows(content)
    assert "#reached+ind+f+children" in tags
    assert "#adm2+code" in tags
    assert "#loc+name" in tags
    [row] = rows
    assert row["#org+prog"] == "IOM"
    assert row["#adm2+code"] == "ML1001"
    assert row["#date+start"] == "2022-12-02"
    assert row["#reached+hh"] == "2"
    assert row["#reached+ind"] == "5"
    assert row["#reached+ind+m+elderly"] == "1"
    assert row["#reached+ind+disabled"] == "<5"  # one person: a small count of a sensitive group
    assert exports.hxl_problems(content, exports.ACTIVITY_SCHEMA) == []


def test_the_5w_xlsx_reads_the_same_with_libhxl():
    found = reached_setting()
    columns, table = exports.activity_table(activities(scope=scope_for(user=found.im_officer), filters=Filters()))
    content = exports.table_xlsx(columns, table, sheet="5W")
    sheet = load_workbook(io.BytesIO(content)).active
    assert [cell.value for cell in sheet[1]][:2] == ["Organisation", "Partenaire de mise en œuvre"]
    assert [cell.value for cell in sheet[3]][:2] == ["#org+prog", "#org+impl"]
    _tags, [row] = _hxl_rows(content)
    assert row["#reached+hh"] in {"2", "2.0", 2}
    assert exports.hxl_problems(content, exports.ACTIVITY_SCHEMA) == []


def test_a_file_missing_what_the_schema_requires_is_found_out():
    """The schema check can fail: a row without its organisation and with a count that is not a number."""
    columns = exports.activity_columns()
    row = ["" if column.key == "organisation" else "x" for column in columns]
    problems = exports.hxl_problems(exports.table_csv(columns, [row]), exports.ACTIVITY_SCHEMA)
    assert any("non-empty" in problem for problem in problems)
    assert any("number" in problem for problem in problems)


def test_a_period_with_no_data_gives_the_headers_only():
    found = reached_setting()
    rows = activities(scope=scope_for(user=found.im_officer), filters=Filters(area="ML1002"))
    content = exports.table_csv(*exports.activity_table(rows))
    assert len(content.decode("utf-8-sig").splitlines()) == 3
    tags, data = _hxl_rows(content)
    assert data == []
    assert tags[0] == "#org+prog"
    indicators = exports.table_csv(*exports.indicator_table(indicators_by_area(rows)))
    _tags, totals = _hxl_rows(indicators)
    assert {row["#indicator+value+num"] for row in totals} == {"0"}


def test_no_personal_data_in_the_5w():
    found = reached_setting()
    rows = activities(scope=scope_for(user=found.im_officer), filters=Filters())
    text = exports.table_csv(*exports.activity_table(rows)).decode("utf-8-sig")
    for household in [*found.reached, found.absent]:
        assert household.registration_number not in text
        for member in household.members.all():
            assert member.given_names not in text
            assert member.family_name not in text


def test_the_indicators_by_cercle_validate_and_mask_small_sensitive_counts():
    found = reached_setting()
    rows = activities(scope=scope_for(user=found.im_officer), filters=Filters())
    content = exports.table_csv(*exports.indicator_table(indicators_by_area(rows)))
    _tags, data = _hxl_rows(content)
    cercle = {row["#indicator+name"]: row["#indicator+value+num"] for row in data if row["#adm2+code"] == "ML1001"}
    assert cercle["Households reached"] == "2"
    assert cercle["Women and girls reached"] == "3"
    assert cercle["Children reached (0–17)"] == "1"
    assert cercle["People with disabilities reached"] == "<5"
    assert exports.hxl_problems(content, exports.INDICATOR_SCHEMA) == []


@override_settings(ABRI_REPORTING_AGE_GROUPS=(0, 5, 18, 60))
def test_other_age_groups_get_age_attributes():
    tags = [column.hashtag for column in exports.activity_columns()]
    assert "#reached+ind+f+age0_4" in tags
    assert "#reached+ind+m+age5_17" in tags
    assert "#reached+ind+f+adults" in tags
    assert "#reached+ind+m+elderly" in tags
