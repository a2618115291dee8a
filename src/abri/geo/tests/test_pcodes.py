"""Loading P-code lists: the shipped Mali list, the HDX format, bad rows, atomicity."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from abri.core.errors import ValidationFailed
from abri.core.models import AuditEntry
from abri.geo.models import AdminArea
from abri.geo.services import admin_areas_load

HEADER = "Location,Admin Level,P-Code,Name,Parent P-Code,Valid from date\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_shipped_mali_list_loads_every_level_with_french_names() -> None:
    result = admin_areas_load(actor=None)

    assert (result.created, result.updated, result.unchanged) == (764, 0, 0)
    assert AdminArea.objects.filter(level=1).count() == 10
    assert AdminArea.objects.filter(level=2).count() == 53
    assert AdminArea.objects.filter(level=3).count() == 701
    menaka = AdminArea.objects.get(pk="ML10")
    assert (menaka.name, menaka.name_fr, menaka.parent_id, menaka.valid_from) == (
        "Menaka",
        "Ménaka",
        None,
        datetime.date(2021, 12, 20),
    )
    assert list(AdminArea.objects.filter(parent_id="ML10").values_list("pcode", "name_fr")) == [
        ("ML1001", "Ménaka"),
        ("ML1002", "Anderamboukane"),
        ("ML1003", "Inékar"),
        ("ML1004", "Tidermène"),
    ]
    assert AdminArea.objects.get(pk="ML0503").name_fr == "Djenné"
    assert AdminArea.objects.get(pk="ML04").name_fr == "Ségou"
    assert AdminArea.objects.get(pk="ML0605").name_en == "Timbuktu"
    bandiagara = AdminArea.objects.get(pk="ML0501")
    assert (bandiagara.name, bandiagara.parent_id, bandiagara.level) == ("Bandiagara", "ML05", 2)
    # The codes-only list adds the communes, named by their P-code, and keeps the names read before.
    commune = AdminArea.objects.get(pk="ML100201")
    assert (commune.name, commune.parent_id, commune.level) == ("ML100201", "ML1002", 3)
    assert AuditEntry.objects.filter(action="admin_area_created").count() == 764


@pytest.mark.django_db
def test_second_load_changes_nothing() -> None:
    admin_areas_load(actor=None)
    audit_count = AuditEntry.objects.count()

    result = admin_areas_load(actor=None)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 764)
    assert AuditEntry.objects.count() == audit_count


@pytest.mark.django_db
def test_load_updates_changed_rows_and_keeps_names_set_by_hand(tmp_path: Path) -> None:
    admin_areas_load(actor=None)
    AdminArea.objects.filter(pk="ML1003").update(name_fr="Inékar (cercle)")
    AdminArea.objects.create(pcode="NE01", level=1, name="Agadez", country_code="NER")  # bystander
    path = write(
        tmp_path,
        "update.csv",
        HEADER
        + "MLI,1,ML10,Menaka,MLI,2023-01-01\n"
        + "MLI,2,ML1003,Inekar,ML10,2021-12-20\n"
        + "MLI,2,ML1005,Alata,ML10,2023-01-01\n",
    )

    result = admin_areas_load(actor=None, path=path)

    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert AdminArea.objects.get(pk="ML10").valid_from == datetime.date(2023, 1, 1)
    assert AdminArea.objects.get(pk="ML1003").name_fr == "Inékar (cercle)"
    alata = AdminArea.objects.get(pk="ML1005")
    assert (alata.name, alata.name_fr, alata.parent_id) == ("Alata", "", "ML10")
    assert AdminArea.objects.get(pk="NE01").name == "Agadez"
    updated = AuditEntry.objects.get(action="admin_area_updated")
    assert (updated.target_id, updated.changes) == ("ML10", {"fields": ["valid_from"], "source": "update.csv"})


@pytest.mark.django_db
def test_codes_only_file_keeps_the_names_already_loaded(tmp_path: Path) -> None:
    admin_areas_load(actor=None, path=write(tmp_path, "named.csv", HEADER + "MLI,1,ML10,Menaka,MLI,2021-12-20\n"))
    codes = write(
        tmp_path,
        "codes.csv",
        "Location,Admin Level,P-Code,Parent P-Code\nMLI,1,ML10,MLI\nMLI,2,ML1001,ML10\n",
    )

    result = admin_areas_load(actor=None, path=codes)

    assert (result.created, result.updated, result.unchanged) == (1, 0, 1)
    assert AdminArea.objects.get(pk="ML10").name == "Menaka"
    assert AdminArea.objects.get(pk="ML1001").name == "ML1001"


@pytest.mark.django_db
def test_global_file_with_hxl_row_loads_only_the_chosen_country(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "global_pcodes_adm_1_2.csv",
        HEADER
        + "#country+code,#geo+admin_level,#adm+code,#adm+name,#adm+code+parent,#date+start\n"
        + "NER,1,NE001,Agadez,NER,2021-01-01\n"
        + "MLI,1,ML10,Menaka,MLI,2021-12-20\n"
        + "NER,2,NE001001,Arlit,NE001,2021-01-01\n",
    )

    mali = admin_areas_load(actor=None, path=path)
    niger = admin_areas_load(actor=None, path=path, country="ner")

    assert (mali.created, niger.created) == (1, 2)
    assert sorted(AdminArea.objects.values_list("pcode", "country_code")) == [
        ("ML10", "MLI"),
        ("NE001", "NER"),
        ("NE001001", "NER"),
    ]


@pytest.mark.django_db
def test_bad_rows_are_named_by_file_row_and_column_and_nothing_is_written(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "bad.csv",
        HEADER
        + "MLI,1,ML10,Menaka,MLI,2021-12-20\n"
        + "MLI,two,ML1001,Menaka,ML10,2021-12-20\n"
        + "MLI,2,ML1002,Anderamboukane,ML10,20/12/2021\n"
        + "MLI,2,ML1003,,ML10,2021-12-20\n"
        + "MLI,2,ml 1004,Tidermene,ML10,2021-12-20\n"
        + "MLI,2,ML0501,Bandiagara,ML10,2021-12-20\n",
    )

    with pytest.raises(ValidationFailed) as raised:
        admin_areas_load(actor=None, path=path)

    assert raised.value.errors == {
        "file": [
            "bad.csv, row 3, column “Admin Level”: “two” is not a level from 1 to 5.",
            "bad.csv, row 4, column “Valid from date”: “20/12/2021” is not a date (YYYY-MM-DD).",
            "bad.csv, row 5, column “Name”: missing.",
            "bad.csv, row 6, column “P-Code”: “ml 1004” is not a P-code (2 to 20 capital letters and digits).",
            "bad.csv, row 6, column “Parent P-Code”: “ML10” is not a prefix of the P-code ml 1004.",
            "bad.csv, row 7, column “Parent P-Code”: “ML10” is not a prefix of the P-code ML0501.",
        ]
    }
    assert AdminArea.objects.count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_unknown_parent_or_duplicate_code_refuses_the_whole_file(tmp_path: Path) -> None:
    AdminArea.objects.create(pcode="ML05", level=1, name="Mopti")  # bystander
    path = write(
        tmp_path,
        "parents.csv",
        HEADER
        + "MLI,1,ML10,Menaka,MLI,2021-12-20\n"
        + "MLI,2,ML1001,Menaka,ML10,2021-12-20\n"
        + "MLI,2,ML1001,Menaka bis,ML10,2021-12-20\n"
        + "MLI,3,ML070101,Ansongo,ML0701,2021-12-20\n"
        + "MLI,3,ML0501,Bandiagara,ML05,2021-12-20\n",
    )

    with pytest.raises(ValidationFailed) as raised:
        admin_areas_load(actor=None, path=path)

    assert raised.value.errors["file"] == [
        "parents.csv, row 4, column “P-Code”: ML1001 already appears on row 3.",
        "parents.csv, row 5, column “Parent P-Code”: ML0701 is neither in the file nor already loaded.",
        "parents.csv, row 6, column “Parent P-Code”: ML05 is a level 1 area; a level 3 area needs level 2.",
    ]
    assert list(AdminArea.objects.values_list("pcode", "name")) == [("ML05", "Mopti")]


@pytest.mark.django_db
def test_missing_column_or_country_is_refused(tmp_path: Path) -> None:
    no_parent = write(tmp_path, "short.csv", "Location,Admin Level,P-Code,Name\nMLI,1,ML10,Menaka\n")
    no_mali = write(tmp_path, "niger.csv", HEADER + "NER,1,NE001,Agadez,NER,2021-01-01\n")

    with pytest.raises(ValidationFailed) as missing_column:
        admin_areas_load(actor=None, path=no_parent)
    with pytest.raises(ValidationFailed) as missing_country:
        admin_areas_load(actor=None, path=no_mali)

    assert missing_column.value.errors["file"][0].startswith("short.csv: missing column(s) “Parent P-Code”")
    assert missing_country.value.errors == {"file": ["niger.csv: no row for the country MLI."]}
    assert AdminArea.objects.count() == 0


@pytest.mark.django_db
def test_command_loads_the_shipped_list_then_reports_nothing_to_do() -> None:
    first = _call("load-pcodes")
    second = _call("load-pcodes")

    assert first == (
        "Admin areas of MLI from mli_pcodes_adm1_adm2.csv, mli_pcodes_adm3_codes_only.csv: "
        "764 created, 0 updated, 0 unchanged.\n"
    )
    assert second.endswith("0 created, 0 updated, 764 unchanged.\n")


@pytest.mark.django_db
def test_command_with_a_bad_file_explains_and_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", HEADER + "MLI,9,ML10,Menaka,MLI,2021-12-20\n")

    with pytest.raises(CommandError) as raised:
        _call("load-pcodes", str(path), "--country", "MLI")

    assert str(raised.value) == (
        "Nothing was loaded:\n  bad.csv, row 2, column “Admin Level”: “9” is not a level from 1 to 5."
    )
    assert AdminArea.objects.count() == 0


@pytest.mark.django_db
def test_command_without_shipped_list_for_the_country_asks_for_a_file() -> None:
    with pytest.raises(CommandError) as raised:
        _call("load-pcodes", "--country", "NER")

    assert str(raised.value) == "Nothing was loaded:\n  Abri ships no P-code list for NER: give a file."


def _call(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, no_color=True)
    return out.getvalue()
