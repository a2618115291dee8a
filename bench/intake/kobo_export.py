"""Writes a Kobo-shaped XLSX export of synthetic households, streamed, for the import benchmark.

The workbook looks like a KoboToolbox "XML values and headers" export of Abri's registration
form: a main sheet (one row per submission, ``_uuid``, ``_index``, ``_submission_time``) and a
``members`` sheet (one row per member, ``_parent_index`` and ``_submission__uuid``). It is written
as raw SpreadsheetML into a zip so a million rows take seconds, not minutes. Every value is
synthetic: names are drawn from short lists, numbers are made up.
"""

from __future__ import annotations

import argparse
import random
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

MAIN_SHEET = "Enregistrement des ménages"
MEMBERS_SHEET = "members"
# Admin 1 and admin 2 P-codes of Ménaka, Mopti and Gao (OCHA list) used for locations.
AREAS = {
    "ML10": ["ML1001", "ML1002", "ML1003", "ML1004"],
    "ML05": ["ML0501", "ML0502", "ML0503", "ML0504"],
    "ML07": ["ML0701", "ML0702", "ML0703"],
}
AREA_NAMES = {"ML10": "Ménaka", "ML05": "Mopti", "ML07": "Gao"}
GIVEN_FEMALE = ["Fatoumata", "Aïssata", "Mariam", "Kadidia", "Aminata", "Oumou", "Fanta", "Hawa", "Rokia", "Djénéba"]
GIVEN_MALE = ["Moussa", "Mahamadou", "Ibrahim", "Oumar", "Abdoulaye", "Souleymane", "Bakary", "Hamidou", "Ag Alher"]
FAMILY = ["Maïga", "Ag Mohamed", "Touré", "Cissé", "Traoré", "Diallo", "Walet Intalla", "Coulibaly", "Keïta", "Dicko"]
WG = ["no_difficulty"] * 12 + ["some_difficulty"] * 3 + ["a_lot_of_difficulty", "cannot_do_at_all"]

MAIN_COLUMNS = [
    "start", "end", "today", "admin1", "admin2", "origin_admin1", "origin_admin2", "departure_date", "arrival_date",
    "displacement_cause", "consent", "consent_date", "phone", "household_size", "_id", "_uuid", "_submission_time",
    "_validation_status", "_notes", "_status", "_submitted_by", "__version__", "_tags", "_index",
]  # fmt: skip
MEMBER_COLUMNS = [
    "given_names", "family_name", "sex", "relationship", "birth_date", "age_years", "marital_status",
    "wg_seeing", "wg_hearing", "wg_walking", "wg_cognition", "wg_self_care", "wg_communication",
    "pregnancy", "chronic_illness", "id_document_type", "id_number", "_index", "_parent_table_name",
    "_parent_index", "_submission__id", "_submission__uuid", "_submission__submission_time",
    "_submission__validation_status", "_submission__status",
]  # fmt: skip
EXCEL_EPOCH = date(1899, 12, 30)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


class SharedStrings:
    """The workbook's shared string table, as Excel, openpyxl and Kobo's exports write it."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def cell(self, ref: str, value: object) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, date):
            return f'<c r="{ref}" s="1"><v>{(value - EXCEL_EPOCH).days}</v></c>'
        if isinstance(value, int | float):
            return f'<c r="{ref}"><v>{value}</v></c>'
        text = str(value)
        position = self.index.get(text)
        if position is None:
            position = self.index[text] = len(self.index)
        return f'<c r="{ref}" t="s"><v>{position}</v></c>'

    def xml(self) -> Iterator[str]:
        yield '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        yield f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{len(self.index)}">'
        buffer = [f"<si><t>{escape(text)}</t></si>" for text in self.index]
        for start in range(0, len(buffer), 10000):
            yield "".join(buffer[start : start + 10000])
        yield "</sst>"


def _sheet_xml(columns: Sequence[str], rows: Iterator[Sequence[object]], strings: SharedStrings) -> Iterator[str]:
    letters = [_column_letter(index) for index in range(len(columns))]
    yield '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    yield '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    yield '<row r="1">' + "".join(strings.cell(f"{letters[i]}1", name) for i, name in enumerate(columns)) + "</row>"
    buffer: list[str] = []
    for number, row in enumerate(rows, start=2):
        cells = "".join(strings.cell(f"{letters[i]}{number}", value) for i, value in enumerate(row))
        buffer.append(f'<row r="{number}">{cells}</row>')
        if len(buffer) >= 5000:
            yield "".join(buffer)
            buffer.clear()
    yield "".join(buffer)
    yield "</sheetData></worksheet>"


_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""  # noqa: E501
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""  # noqa: E501
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="{main}" sheetId="1" r:id="rId1"/><sheet name="{members}" sheetId="2" r:id="rId2"/></sheets>
</workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""  # noqa: E501
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
</styleSheet>"""  # noqa: E501


def household_sizes(households: int, individuals: int) -> list[int]:
    """Sizes from 1 to 9 that add up to exactly ``individuals``."""
    sizes = [1 + (position * 7919) % 9 for position in range(households)]
    difference = individuals - sum(sizes)
    position = 0
    while difference:
        step = 1 if difference > 0 else -1
        if 1 <= sizes[position] + step <= 12:
            sizes[position] += step
            difference -= step
        position = (position + 1) % households
    return sizes


def _rows(households: int, individuals: int, seed: int) -> tuple[list[list[object]], list[list[object]]]:
    rng = random.Random(seed)
    sizes = household_sizes(households, individuals)
    today = date(2024, 6, 1)
    main: list[list[object]] = []
    members: list[list[object]] = []
    member_index = 0
    for index, size in enumerate(sizes, start=1):
        submission = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        admin1 = rng.choice(list(AREAS))
        origin1 = rng.choice(list(AREAS))
        arrival = today - timedelta(days=rng.randint(10, 700))
        departure = arrival - timedelta(days=rng.randint(0, 20))
        registered = arrival + timedelta(days=rng.randint(0, 9))
        submitted = f"{registered.isoformat()}T{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:00"
        main.append(
            [
                f"{submitted}.000+00:00", f"{submitted}.000+00:00", registered, admin1, rng.choice(AREAS[admin1]),
                origin1, rng.choice(AREAS[origin1]), departure, arrival,
                rng.choice(["armed_conflict"] * 8 + ["natural_disaster", "other"]), "given", registered,
                f"+223 7{rng.randint(0, 9)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
                if rng.random() < 0.7 else "",
                size, 1000000 + index, submission, submitted, "", "", "submitted_via_web", "enumerateur",
                "vXyZ2024", "", index,
            ]
        )  # fmt: skip
        family = rng.choice(FAMILY)
        head_female = rng.random() < 0.35
        for position in range(size):
            member_index += 1
            if position == 0:
                relationship, female = "head", head_female
                age = rng.randint(19, 78)
            elif position == 1 and not head_female and rng.random() < 0.8:
                relationship, female = "spouse", True
                age = rng.randint(18, 60)
            else:
                relationship = rng.choice(["child"] * 7 + ["grandchild", "sibling", "other_relative", "non_relative"])
                female = rng.random() < 0.5
                age = rng.randint(0, 17) if relationship in {"child", "grandchild"} else rng.randint(5, 40)
            birth = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
            exact = rng.random() < 0.6
            adult = age >= 18
            members.append(
                [
                    rng.choice(GIVEN_FEMALE if female else GIVEN_MALE),
                    family if relationship != "non_relative" else rng.choice(FAMILY),
                    "female" if female else "male",
                    relationship,
                    birth if exact else None,
                    None if exact else age,
                    ("married" if relationship in {"head", "spouse"} and position < 2 and size > 1 else
                     rng.choice(["widowed", "divorced", "single"])) if adult else "",
                    *(rng.choice(WG) if age >= 5 else "" for _ in range(6)),
                    "pregnant" if female and adult and age < 45 and rng.random() < 0.08 else "no",
                    "yes" if rng.random() < 0.05 else "no",
                    "national_id" if adult and rng.random() < 0.6 else "",
                    "",
                    member_index, MAIN_SHEET, index, 1000000 + index, submission, submitted, "", "submitted_via_web",
                ]
            )  # fmt: skip
            row = members[-1]
            if row[15]:
                row[16] = f"{rng.randint(10**13, 10**14 - 1)}{chr(65 + rng.randint(0, 25))}"
    return main, members


def write_export(path: Path, *, households: int, individuals: int, seed: int = 2022) -> Path:
    """Write the workbook to ``path`` and return it."""
    main, members = _rows(households, individuals, seed)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(main=escape(MAIN_SHEET), members=MEMBERS_SHEET))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        strings = SharedStrings()
        for name, columns, rows in (("sheet1", MAIN_COLUMNS, main), ("sheet2", MEMBER_COLUMNS, members)):
            with archive.open(f"xl/worksheets/{name}.xml", "w", force_zip64=True) as handle:
                for chunk in _sheet_xml(columns, iter(rows), strings):
                    handle.write(chunk.encode())
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as handle:
            for chunk in strings.xml():
                handle.write(chunk.encode())
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output", type=Path)
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--individuals", type=int, default=1_000_000)
    arguments = parser.parse_args()
    write_export(arguments.output, households=arguments.households, individuals=arguments.individuals)
    print(f"{arguments.output}: {arguments.output.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
