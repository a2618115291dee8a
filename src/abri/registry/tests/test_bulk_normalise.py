"""Phones and identity numbers normalised on whole columns, exactly as one at a time."""

import polars as pl

from abri.registry.bulk.checks import id_number_expr, phone_column
from abri.registry.normalise import id_number_normalise, phone_normalise

PHONES = [
    "", "76123456", "76 12 34 56", "+223 76 12 34 56", "0022376123456", "22376123456", "223761234", "7612345",
    "761234567", "+33 6 12 34 56 78", "tel: 76-12-34-56", "00223 7612 3456", "223", "abc", "٧٦١٢٣٤٥٦", "  ",
]  # fmt: skip
ID_NUMBERS = ["", "12 345-ab", "12345AB", "ml/2019/0042", "straße 12", "Ağ 77", "  x ", "٣٤٥", "ﬁ-12"]


def _python_phone(raw: str) -> str | None:
    try:
        return phone_normalise(raw)
    except ValueError:
        return None


def test_phone_column_agrees_with_phone_normalise():
    column = phone_column(pl.Series([*PHONES, None], dtype=pl.String)).to_list()

    assert column == [_python_phone(raw) for raw in PHONES] + [""]


def test_phones_of_mali_and_elsewhere_are_kept_in_international_form():
    assert {raw: _python_phone(raw) for raw in PHONES if raw.strip()} == {
        "76123456": "+22376123456",
        "76 12 34 56": "+22376123456",
        "+223 76 12 34 56": "+22376123456",
        "0022376123456": "+22376123456",
        "22376123456": "+22376123456",
        "223761234": None,
        "7612345": None,
        "761234567": None,
        "+33 6 12 34 56 78": "+33612345678",
        "tel: 76-12-34-56": "+22376123456",
        "00223 7612 3456": "+22376123456",
        "223": None,
        "abc": None,
        "٧٦١٢٣٤٥٦": "+22376123456",
    }
    assert phone_normalise("70 12 34 56", region="BF") == "+22670123456"  # Burkina Faso's own 8 digits


def test_id_number_expr_agrees_with_id_number_normalise():
    column = pl.select(id_number_expr(pl.lit(pl.Series(ID_NUMBERS, dtype=pl.String)))).to_series().to_list()

    assert column == [id_number_normalise(raw) for raw in ID_NUMBERS]
