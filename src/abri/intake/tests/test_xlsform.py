"""The shipped registration XLSForm converts cleanly and its answers import with no mapping."""

import openpyxl
from pyxform.xls2xform import convert

from abri.intake.forms.registration import SHIPPED, SURVEY
from abri.intake.parsers.layout import HOUSEHOLD_FIELDS, MEMBER_FIELDS

HELPERS = {"today", "location", "displacement", "members", "knows_birth_date", ""}


def test_shipped_form_converts_with_pyxform_without_warnings():
    warnings: list[str] = []
    result = convert(xlsform=str(SHIPPED), warnings=warnings)
    assert warnings == []
    assert 'lang="Français (fr)"' in result.xform
    assert 'lang="English (en)"' in result.xform
    assert "<members " in result.xform or "<members>" in result.xform
    assert "instance('admin2')/root/item[admin1= /data/location/admin1 ]" in result.xform.replace("  ", " ")


def test_every_question_is_an_abri_field_so_no_mapping_is_needed():
    names = {row[1] for row in SURVEY}
    assert names - HELPERS <= set(HOUSEHOLD_FIELDS) | set(MEMBER_FIELDS)
    assert {"wg_seeing", "wg_hearing", "wg_walking", "wg_cognition", "wg_self_care", "wg_communication"} <= names


def test_shipped_workbook_matches_its_definition_and_lists_mali_pcodes():
    workbook = openpyxl.load_workbook(SHIPPED, read_only=True)
    survey = [row[1] for row in workbook["survey"].iter_rows(min_row=2, values_only=True)]
    assert survey == [row[1] or None for row in SURVEY]
    choices = {(row[0], row[1]): row[4] for row in workbook["choices"].iter_rows(min_row=2, values_only=True)}
    assert ("admin1", "ML10") in choices
    assert choices[("admin2", "ML1001")] == "ML10"
