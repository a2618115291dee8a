"""The 5W and indicator tables as CSV and XLSX: a French header row, an English one, an HXL hashtag row.

The hashtags follow the HXL standard (hxlstandard.org, the HXL hashtag dictionary): ``#org``
with ``+prog`` (the programming organisation), ``+impl`` (the implementing partner) and
``+funder``; ``#sector+cluster``; ``#activity``; ``#adm1``…``#adm3`` with ``+code`` or
``+name``; ``#loc+name`` for the site; ``#date+start`` / ``#date+end``; ``#reached`` with
``+hh`` (households) or ``+ind`` (people), ``+f`` / ``+m`` and the age attributes
``+children``, ``+adults``, ``+elderly`` (the default groups; other groups read
``+age18_59``), ``+idps`` and ``+disabled``.

Both header rows are written whatever the reader's language: the file goes to the cluster.
A 5W export leaves the organisation, so the small counts of sensitive groups are written
"<5" (`abri.reporting.indicators.small_count`). Cells go through `abri.core.exports`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import hxl

from abri.core.exports import Sheet, csv_bytes, xlsx_bytes
from abri.reporting.fivew import SEXES, Activity, AgeGroup, age_groups
from abri.reporting.indicators import Indicator, small_count


@dataclass(frozen=True)
class Column:
    key: str
    french: str
    english: str
    hashtag: str


_SEX = {"female": ("sexe féminin,", "female", "+f"), "male": ("sexe masculin,", "male", "+m")}
_DEFAULT_AGE_ATTRIBUTES = {(0, 17): "+children", (18, 59): "+adults", (60, None): "+elderly"}

_LEADING = [
    Column("organisation", "Organisation", "Organisation", "#org+prog"),
    Column("implementing_partner", "Partenaire de mise en œuvre", "Implementing partner", "#org+impl"),
    Column("funder", "Bailleur", "Funder", "#org+funder"),
    Column("cluster", "Cluster", "Cluster", "#sector+cluster"),
    Column("activity", "Activité", "Activity", "#activity"),
    Column("modality", "Modalité", "Modality", "#activity+modality"),
    Column("item", "Article ou kit", "Item or kit", "#item+name"),
    Column("adm1_code", "Région (P-code)", "Admin 1 P-code", "#adm1+code"),
    Column("adm1_name", "Région", "Admin 1", "#adm1+name"),
    Column("adm2_code", "Cercle (P-code)", "Admin 2 P-code", "#adm2+code"),
    Column("adm2_name", "Cercle", "Admin 2", "#adm2+name"),
    Column("adm3_code", "Commune (P-code)", "Admin 3 P-code", "#adm3+code"),
    Column("site", "Site", "Site", "#loc+name"),
    Column("status", "Statut", "Status", "#status"),
    Column("start_date", "Date de début", "Start date", "#date+start"),
    Column("end_date", "Date de fin", "End date", "#date+end"),
    Column("households", "Ménages atteints", "Households reached", "#reached+hh"),
    Column("people", "Personnes atteintes", "People reached", "#reached+ind"),
]
_TRAILING = [
    Column("idps", "Dont PDI", "Of which IDPs", "#reached+ind+idps"),
    Column(
        "with_disabilities", "Dont personnes handicapées", "Of which people with disabilities", "#reached+ind+disabled"
    ),
]


def _age_attribute(group: AgeGroup) -> str:
    named = _DEFAULT_AGE_ATTRIBUTES.get((group.low, group.high))
    if named is not None:
        return named
    return f"+age{group.low}_{group.high}" if group.high is not None else f"+age{group.low}plus"


def activity_columns(groups: Sequence[AgeGroup] | None = None) -> list[Column]:
    """The 5W columns: who, what, where, when, then people reached by sex and age group, IDPs, disabilities."""
    groups = list(groups if groups is not None else age_groups())
    breakdown = [
        Column(
            f"{sex}_{group.key}",
            f"Personnes atteintes, {_SEX[sex][0]} {group.label} ans",
            f"People reached, {_SEX[sex][1]} {group.label}",
            f"#reached+ind{_SEX[sex][2]}{_age_attribute(group)}",
        )
        for sex in SEXES
        for group in groups
    ]
    return [*_LEADING, *breakdown, *_TRAILING]


def activity_table(rows: Sequence[Activity]) -> tuple[list[Column], list[list[object]]]:
    """The 5W as columns and rows of cells; sensitive small counts written "<5"."""
    columns = activity_columns()
    table = []
    for row in rows:
        values: dict[str, object] = {column.key: getattr(row, column.key) for column in [*_LEADING, *_TRAILING]}
        values.update(row.by_sex_and_age)
        values["with_disabilities"] = small_count(row.with_disabilities)
        table.append([values.get(column.key, 0) for column in columns])
    return columns, table


INDICATOR_COLUMNS = [
    Column("indicator", "Indicateur", "Indicator", "#indicator+name"),
    Column("adm1_code", "Région (P-code)", "Admin 1 P-code", "#adm1+code"),
    Column("adm2_code", "Cercle (P-code)", "Admin 2 P-code", "#adm2+code"),
    Column("area_name", "Zone", "Area", "#loc+name"),
    Column("value", "Valeur", "Value", "#indicator+value+num"),
]


def indicator_table(rows: Sequence[Indicator]) -> tuple[list[Column], list[list[object]]]:
    """The indicator table as columns and rows of cells."""
    return INDICATOR_COLUMNS, [
        [row.label_en, row.adm1_code, row.adm2_code, row.area_name, row.shown_outside] for row in rows
    ]


def _header_rows(columns: Sequence[Column]) -> tuple[list[str], list[list[object]]]:
    return [column.french for column in columns], [
        [column.english for column in columns],
        [column.hashtag for column in columns],
    ]


def table_csv(columns: Sequence[Column], rows: Sequence[Sequence[object]]) -> bytes:
    """A table as CSV: French header, English header, hashtags, then the rows."""
    header, more = _header_rows(columns)
    return csv_bytes(header=header, rows=[*more, *rows])


def table_xlsx(columns: Sequence[Column], rows: Sequence[Sequence[object]], *, sheet: str) -> bytes:
    """A table as XLSX, one sheet: French header (bold), English header, hashtags, then the rows."""
    header, more = _header_rows(columns)
    return xlsx_bytes([Sheet(name=sheet, header=header, rows=[*more, *rows])])


# What every 5W file must satisfy, as an HXL schema (libhxl's validation): the who, where and
# when filled in, dates as dates, counts as numbers (people with disabilities may read "<5").
ACTIVITY_SCHEMA = [
    ["#valid_tag", "#valid_required", "#valid_datatype"],
    ["#org+prog", "true", ""],
    ["#sector+cluster", "true", ""],
    ["#activity-modality", "true", ""],
    ["#adm1+code", "true", ""],
    ["#status", "true", ""],
    ["#date+start", "true", "date"],
    ["#date+end", "", "date"],
    ["#reached+hh", "true", "number"],
    ["#reached+ind-disabled", "true", "number"],
]
INDICATOR_SCHEMA = [
    ["#valid_tag", "#valid_required", "#valid_datatype"],
    ["#indicator+name", "true", ""],
]


def hxl_problems(content: bytes, schema: list[list[str]]) -> list[str]:
    """What libhxl finds wrong with an export (CSV or XLSX) against ``schema``; empty when it validates."""
    problems: list[str] = []

    def note(error: object) -> None:
        row = getattr(error, "row", None)
        problems.append(f"{getattr(error, 'message', error)} (row {getattr(row, 'row_number', '?')})")

    data = hxl.data(hxl.input.make_input(io.BytesIO(content)))
    hxl.schema(schema, callback=note).validate(data)
    return problems
