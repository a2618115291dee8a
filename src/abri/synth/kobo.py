"""A synthetic population written as a KoboToolbox XLSX export of Abri's registration form.

The workbook has the shape of Kobo's "XML values and headers" export: a main sheet named after
the form (one row per submission: the form's answers, then ``_id``, ``_uuid``,
``_submission_time``, ``_index`` and the other system columns) and a ``members`` sheet for the
roster repeat (one row per member, ``_parent_index`` and ``_submission__uuid`` pointing at its
submission). Dates are Excel dates, text goes through the shared string table as Kobo's exports
do. The cells are assembled column by column with polars and written straight into the zip,
so a million members take seconds (openpyxl would take minutes).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from abri.registry.flags import WG_FIELDS
from abri.synth.people import Population

FORM_TITLE = "Enregistrement des ménages"  # the title of abri_household_registration.xlsx
REPEAT_SHEET = "members"
XLSX_MAX_ROWS = 1_048_575
_EXCEL_EPOCH = date(1899, 12, 30)
_ROWS_PER_WRITE = 20_000

MAIN_COLUMNS = (
    "start", "end", "today", "admin1", "admin2", "origin_admin1", "origin_admin2", "departure_date",
    "arrival_date", "displacement_cause", "consent", "consent_date", "phone", "_id", "_uuid", "_submission_time",
    "_validation_status", "_notes", "_status", "_submitted_by", "__version__", "_tags", "_index",
)  # fmt: skip
MEMBER_COLUMNS = (
    "given_names", "family_name", "sex", "relationship", "knows_birth_date", "birth_date", "age_years",
    "marital_status", *WG_FIELDS, "pregnancy", "chronic_illness", "id_document_type", "id_number", "_index",
    "_parent_table_name", "_parent_index", "_submission__id", "_submission__uuid", "_submission__submission_time",
    "_submission__validation_status", "_submission__notes", "_submission__status", "_submission__submitted_by",
    "_submission___version__", "_submission__tags",
)  # fmt: skip


def _uuids(rng: np.random.Generator, count: int) -> pl.Series:
    """Random version 4 UUIDs, as Kobo gives each submission."""
    text = rng.bytes(16 * count).hex()
    hexed = pl.Series([text[start : start + 32] for start in range(0, 32 * count, 32)], dtype=pl.String)
    return pl.select(
        pl.concat_str(
            [
                hexed.str.slice(0, 8),
                pl.lit("-"),
                hexed.str.slice(8, 4),
                pl.lit("-4"),
                hexed.str.slice(13, 3),
                pl.lit("-a"),
                hexed.str.slice(17, 3),
                pl.lit("-"),
                hexed.str.slice(20, 12),
            ]
        )
    ).to_series()


def kobo_frames(population: Population, *, seed: int, today: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The main sheet and the members sheet as frames (dates as dates, numbers as integers).

    Abri counts an estimated age from the day of the import, as the generator does (``today``).
    """
    rng = np.random.default_rng([seed, 4242])
    households = population.households
    count = households.height
    uuid = _uuids(rng, count)
    minutes = pl.Series(rng.integers(8 * 60, 18 * 60, count), dtype=pl.Int64)
    submitted = households.select(
        pl.concat_str(
            [
                pl.col("registered_on").dt.strftime("%Y-%m-%d"),
                pl.lit("T"),
                (minutes // 60).cast(pl.String).str.zfill(2),
                pl.lit(":"),
                (minutes % 60).cast(pl.String).str.zfill(2),
                pl.lit(":00"),
            ]
        )
    ).to_series()
    index = pl.int_range(1, count + 1, eager=True, dtype=pl.Int64)
    main = households.select(
        pl.lit(submitted + ".000+00:00").alias("start"),
        pl.lit(submitted + ".000+00:00").alias("end"),
        pl.col("registered_on").alias("today"),
        pl.col("admin_area").str.slice(0, 4).alias("admin1"),
        pl.col("admin_area").str.slice(0, 6).alias("admin2"),
        pl.col("origin_area").str.slice(0, 4).alias("origin_admin1"),
        pl.col("origin_area").str.slice(0, 6).alias("origin_admin2"),
        "departure_date",
        "arrival_date",
        "displacement_cause",
        "consent",
        "consent_date",
        "phone",
        pl.lit(index + 100_000_000).alias("_id"),
        pl.lit(uuid).alias("_uuid"),
        pl.lit(submitted).alias("_submission_time"),
        pl.lit("").alias("_validation_status"),
        pl.lit("").alias("_notes"),
        pl.lit("submitted_via_web").alias("_status"),
        pl.lit("enqueteur").alias("_submitted_by"),
        pl.lit("vQk9TLqzRmXhEw4bJ7dYcP").alias("__version__"),
        pl.lit("").alias("_tags"),
        pl.lit(index).alias("_index"),
    )
    parents = main.select(
        pl.col("_index").alias("_parent_index"),
        pl.col("_id").alias("_submission__id"),
        pl.col("_uuid").alias("_submission__uuid"),
        pl.col("_submission_time").alias("_submission__submission_time"),
    ).with_row_index("_household_row")
    keys = households.select(pl.col("household_key")).with_row_index("_household_row")
    individuals = population.individuals.join(keys, on="household_key", how="left", maintain_order="left").join(
        parents, on="_household_row", how="left", maintain_order="left"
    )
    # The form asks for a date of birth, or else an age: a year of birth becomes an age.
    age = (
        pl.when(pl.col("birth_date_precision") == "year")
        .then(today.year - pl.col("birth_year"))
        .otherwise(pl.col("age_years"))
    )
    members = individuals.select(
        "given_names",
        "family_name",
        "sex",
        "relationship",
        pl.when(pl.col("birth_date").is_not_null())
        .then(pl.lit("yes"))
        .otherwise(pl.lit("no"))
        .alias("knows_birth_date"),
        "birth_date",
        age.cast(pl.Int64).alias("age_years"),
        "marital_status",
        *WG_FIELDS,
        pl.when(pl.col("sex") == "female").then(pl.col("pregnancy")).otherwise(pl.lit("")).alias("pregnancy"),
        pl.when(pl.col("chronic_illness")).then(pl.lit("yes")).otherwise(pl.lit("no")).alias("chronic_illness"),
        "id_document_type",
        "id_number",
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_index"),
        pl.lit(FORM_TITLE).alias("_parent_table_name"),
        "_parent_index",
        "_submission__id",
        "_submission__uuid",
        "_submission__submission_time",
        pl.lit("").alias("_submission__validation_status"),
        pl.lit("").alias("_submission__notes"),
        pl.lit("submitted_via_web").alias("_submission__status"),
        pl.lit("enqueteur").alias("_submission__submitted_by"),
        pl.lit("vQk9TLqzRmXhEw4bJ7dYcP").alias("_submission___version__"),
        pl.lit("").alias("_submission__tags"),
    )
    return main.select(MAIN_COLUMNS), members.select(MEMBER_COLUMNS)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _escaped(text: pl.Expr) -> pl.Expr:
    return (
        text.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )


class _SharedStrings:
    """The workbook's shared string table: every distinct text once, cells point at it."""

    def __init__(self, frames: list[pl.DataFrame]) -> None:
        texts = [
            frame.select(pl.lit(list(frame.columns), dtype=pl.List(pl.String)).explode().alias("text"))
            for frame in frames
        ]
        texts += [
            frame.select(pl.col(name).alias("text"))
            for frame in frames
            for name, dtype in frame.schema.items()
            if dtype == pl.String
        ]
        self.strings = pl.concat(texts).filter(pl.col("text") != "").unique(maintain_order=True)["text"]
        self.kind = pl.Enum(self.strings)

    def index_of(self, text: str) -> int:
        position = self.strings.index_of(text)
        assert position is not None
        return position

    def position(self, column: pl.Expr) -> pl.Expr:
        return column.cast(self.kind).to_physical().cast(pl.String)

    def xml(self) -> Iterator[bytes]:
        yield b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        yield (
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{len(self.strings)}" uniqueCount="{len(self.strings)}">'
        ).encode()
        items = pl.select(pl.concat_str([pl.lit("<si><t>"), _escaped(pl.lit(self.strings)), pl.lit("</t></si>")]))
        column = items.to_series()
        for start in range(0, len(column), _ROWS_PER_WRITE * 5):
            yield "".join(column.slice(start, _ROWS_PER_WRITE * 5).to_list()).encode()
        yield b"</sst>"


def _cell(strings: _SharedStrings, name: str, dtype: pl.DataType, letter: str) -> pl.Expr:
    """The XML of one cell of column ``name`` on every row ("" for an empty cell)."""
    reference = pl.concat_str([pl.lit(f'<c r="{letter}'), pl.col("_row").cast(pl.String)])
    column = pl.col(name)
    if dtype == pl.Date:
        serial = (column - pl.lit(_EXCEL_EPOCH)).dt.total_days().cast(pl.String)
        value = pl.concat_str([reference, pl.lit('" s="1"><v>'), serial, pl.lit("</v></c>")])
        return pl.when(column.is_null()).then(pl.lit("")).otherwise(value)
    if dtype.is_integer():
        value = pl.concat_str([reference, pl.lit('"><v>'), column.cast(pl.String), pl.lit("</v></c>")])
        return pl.when(column.is_null()).then(pl.lit("")).otherwise(value)
    value = pl.concat_str([reference, pl.lit('" t="s"><v>'), strings.position(column), pl.lit("</v></c>")])
    return pl.when(column.is_null() | (column == "")).then(pl.lit("")).otherwise(value)


def _sheet_xml(frame: pl.DataFrame, strings: _SharedStrings) -> Iterator[bytes]:
    letters = [_column_letter(position) for position in range(frame.width)]
    yield b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    yield b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    yield f'<dimension ref="A1:{letters[-1]}{frame.height + 1}"/><sheetData>'.encode()
    header = "".join(
        f'<c r="{letter}1" t="s"><v>{strings.index_of(name)}</v></c>'
        for letter, name in zip(letters, frame.columns, strict=True)
    )
    yield f'<row r="1">{header}</row>'.encode()
    cells = [
        _cell(strings, name, dtype, letter) for (name, dtype), letter in zip(frame.schema.items(), letters, strict=True)
    ]
    for start in range(0, frame.height, _ROWS_PER_WRITE):
        part = frame.slice(start, _ROWS_PER_WRITE).with_columns(
            pl.int_range(start + 2, start + 2 + min(_ROWS_PER_WRITE, frame.height - start), dtype=pl.Int64).alias(
                "_row"
            )
        )
        rows = part.select(
            pl.concat_str([pl.lit('<row r="'), pl.col("_row").cast(pl.String), pl.lit('">'), *cells, pl.lit("</row>")])
        ).to_series()
        yield "".join(rows.to_list()).encode()
    yield b"</sheetData></worksheet>"


_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""  # noqa: E501 -- an XML part of the workbook, on one line as Excel writes it
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""  # noqa: E501 -- an XML part of the workbook, on one line as Excel writes it
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
</Relationships>"""  # noqa: E501 -- an XML part of the workbook, on one line as Excel writes it
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""  # noqa: E501 -- an XML part of the workbook, on one line as Excel writes it


def kobo_xlsx_write(population: Population, path: Path, *, seed: int, today: date) -> Path:
    """Write ``population`` to ``path`` as a Kobo XLSX export (main sheet and members sheet)."""
    if population.individuals.height > XLSX_MAX_ROWS or population.households.height > XLSX_MAX_ROWS:
        raise ValueError("an XLSX sheet holds at most 1,048,575 rows: write CSV for larger populations")
    main, members = kobo_frames(population, seed=seed, today=today)
    strings = _SharedStrings([main, members])
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(main=FORM_TITLE, members=REPEAT_SHEET))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        for name, frame in (("sheet1", main), ("sheet2", members)):
            with archive.open(f"xl/worksheets/{name}.xml", "w", force_zip64=True) as handle:
                for chunk in _sheet_xml(frame, strings):
                    handle.write(chunk)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as handle:
            for chunk in strings.xml():
                handle.write(chunk)
    return path
