"""Another system's registration template: a household sheet and a people sheet that share a
household number column, and `abri import … --json` that counts and links them as they come."""

import io
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from abri.intake.models import ColumnMapping, ImportBatch
from abri.registry.models import Household

pytestmark = pytest.mark.django_db

HOUSEHOLD_HEADERS = ["household_id", "admin1", "admin2", "consent", "consent_date", "registered_on"]
PEOPLE_HEADERS = ["person_id", "household_id", "given_names", "family_name", "sex", "relationship", "age_years"]


def template(path, *, people_extra=(), households_extra=()):
    """Two sheets, ménages and personnes, as a two-sheet registration template lays them out."""
    workbook = openpyxl.Workbook()
    households = workbook.active
    households.title = "ménages"
    households.append(HOUSEHOLD_HEADERS)
    for number in ("MNK-001", "MNK-002", *households_extra):
        households.append([number, "ML10", "ML1001", "given", "2022-11-20", "2022-11-20"])
    people = workbook.create_sheet("personnes")
    people.append(PEOPLE_HEADERS)
    rows = [
        ("P1", "MNK-001", "Fadimata", "Walet Ahmed", "female", "head", "41"),
        ("P2", "MNK-001", "Alhassane", "Ag Ahmed", "male", "child", "9"),
        ("P3", "MNK-002", "Hawa", "Maïga", "female", "head", "35"),
        *people_extra,
    ]
    for row in rows:
        people.append(list(row))
    workbook.save(path)
    return path


def _run(*args):
    out = io.StringIO()
    call_command("import", *map(str, args), "--organisation", "IOM", stdout=out, stderr=io.StringIO())
    return out.getvalue().splitlines()


def test_the_shared_column_is_found_and_every_person_joins_their_household(tmp_path, areas, iom, officer):
    lines = _run(template(tmp_path / "template.xlsx"), "--json")
    summary = json.loads(lines[-1])
    counts = ("households", "members", "members_without_household", "valid", "invalid")
    assert {key: summary[key] for key in counts} == {
        "households": 2, "members": 3, "members_without_household": 0, "valid": 2, "invalid": 0
    }  # fmt: skip
    assert summary["problems"] == []
    assert Household.objects.count() == 0  # validated, not committed


def test_a_person_of_a_household_not_on_the_sheet_is_a_problem_at_its_row(tmp_path, areas, iom, officer):
    stranger = ("P4", "MNK-404", "Kadidia", "Dolo", "female", "head", "30")
    path = template(tmp_path / "template.xlsx", people_extra=[stranger])
    summary = json.loads(_run(path, "--household-key", "household_id", "--json")[-1])
    assert (summary["members"], summary["members_without_household"], summary["valid"]) == (4, 1, 2)
    [problem] = [problem for problem in summary["problems"] if problem["severity"] == "error"]
    assert {key: problem[key] for key in ("sheet", "row", "column")} == {
        "sheet": "personnes", "row": 5, "column": "_submission__uuid"
    }  # fmt: skip
    assert "MNK-404" in problem["message"]
    assert ImportBatch.objects.get().household_key == "household_id"


def test_a_household_key_no_sheet_pair_holds_is_a_clear_refusal(tmp_path, areas, iom, officer):
    with pytest.raises(CommandError, match="The column menage, chosen as the household number, is not on two sheets"):
        _run(template(tmp_path / "template.xlsx"), "--household-key", "menage", "--json")


def test_committing_imports_each_household_with_its_people_and_a_second_run_updates(tmp_path, areas, iom, officer):
    path = template(tmp_path / "template.xlsx")
    _run(path, "--commit", "--user", "officer")
    assert sorted(Household.objects.values_list("members__given_names", flat=True)) == ["Alhassane", "Fadimata", "Hawa"]
    summary = json.loads(_run(path, "--json")[-1])
    assert summary["updates"] == 2


def test_a_mapping_file_is_loaded_saved_for_the_organisation_and_used(tmp_path, areas, iom, officer):
    workbook = openpyxl.load_workbook(template(tmp_path / "template.xlsx"))
    workbook["personnes"]["C1"] = "prénom"
    workbook["personnes"]["E1"] = "genre"
    workbook.save(tmp_path / "renamed.xlsx")
    mapping = tmp_path / "partenaire.json"
    mapping.write_text(json.dumps({
        "layout": "kobo", "household_key": "household_id",
        "columns": {"prénom": "given_names", "genre": "sex"}, "values": {"sex": {"F": "female", "M": "male"}},
    }))  # fmt: skip
    summary = json.loads(_run(tmp_path / "renamed.xlsx", "--mapping-file", mapping, "--json")[-1])
    assert (summary["valid"], summary["members"]) == (2, 3)
    saved = ColumnMapping.objects.get(organisation=iom, name="partenaire")
    assert saved.spec["columns"] == {"prénom": "given_names", "genre": "sex"}


def test_a_mapping_file_that_is_not_json_or_names_unknown_fields_is_refused(tmp_path, areas, iom, officer):
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json")
    with pytest.raises(CommandError, match=r"broken\.json is not readable JSON"):
        _run(template(tmp_path / "template.xlsx"), "--mapping-file", broken)
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({"layout": "kobo", "columns": {"prénom": "first_name"}}))
    with pytest.raises(CommandError, match="Unknown Abri fields: first_name"):
        _run(template(tmp_path / "template.xlsx"), "--mapping-file", unknown)
    assert ColumnMapping.objects.count() == 0
    assert ImportBatch.objects.count() == 0
