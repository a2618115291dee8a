"""The dedup tests read labels and messages in English, the source language, whatever the catalogs hold."""

from collections.abc import Iterator

import polars as pl
import pytest
from django.utils import translation

from abri.dedup.tests.lists_fixtures import (  # noqa: F401 -- fixtures: pytest finds them here by name
    data_dir,
    en_client,
    im_officer,
    logged_in,
    other_im_officer,
)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


# Two registrations of the Ag Mohamed household (Ménaka, then Inékar, another partner who
# writes the husband's names swapped and hyphenated, the daughter's patronymic "Welet",
# the son "Mouhamed"), two of the Traoré household (ages approximate the second time), and
# a bystander: another Mamadou Traoré, 24 years younger, in another household.
REGISTRATIONS = [
    # id, household, given, family, sex, birth, phone, commune
    ("A1", "M-001", "Moussa", "Ag Mohamed", "M", "1980", "+223 76 12 34 56", "ML100101"),
    ("A2", "M-001", "Fadimata", "Walet Alhousseini", "F", "1985", "", "ML100101"),
    ("A3", "M-001", "Mohamed", "Ag Moussa", "M", "04/03/2010", "", "ML100101"),
    ("A4", "M-001", "Aïcha", "Walet Moussa", "F", "21/07/2013", "", "ML100101"),
    ("B1", "M-002", "Mamadou", "Traoré", "M", "1975", "66 01 02 03", "ML050101"),
    ("B2", "M-002", "Fatoumata", "Coulibaly", "F", "1982", "", "ML050101"),
    ("B3", "M-002", "Awa", "Traoré", "F", "12/05/2008", "", "ML050101"),
    ("C1", "M-003", "Mamadou", "Traoré", "M", "1999", "79 99 88 77", "ML050102"),
    ("C2", "M-003", "Aminata", "Diallo", "F", "2001", "", "ML050102"),
    ("D1", "I-104", "Fadimata", "Alhousseini", "F", "1986", "93 00 11 22", "ML100301"),
    ("D2", "I-104", "AG-MOHAMED", "Moussa", "M", "1981", "", "ML100301"),
    ("D3", "I-104", "Mouhamed", "Ag-Moussa", "M", "2010-03-04", "", "ML100301"),
    ("D4", "I-104", "Aïcha", "Welet Moussa", "F", "2013", "", "ML100301"),
    ("E1", "I-205", "Mamadou", "Traore", "H", "1977", "", "ML050103"),
    ("E2", "I-205", "Fatoumata", "Koulibaly", "F", "1983", "", "ML050103"),
    ("E3", "I-205", "Awa", "TRAORE", "F", "2008", "", "ML050103"),
]
EXPECTED_PAIRS = {
    ("A1", "D2"),
    ("A2", "D1"),
    ("A3", "D3"),
    ("A4", "D4"),
    ("B1", "E1"),
    ("B2", "E2"),
    ("B3", "E3"),
}
COLUMNS = ["id", "household", "given", "family", "sex", "birth", "phone", "commune"]
MAP = {
    "given_name": "given",
    "family_name": "family",
    "sex": "sex",
    "birth_date": "birth",
    "phone": "phone",
    "location": "commune",
    "household_id": "household",
}


@pytest.fixture
def registrations() -> pl.DataFrame:
    frame = pl.DataFrame(REGISTRATIONS, schema=COLUMNS, orient="row")
    return frame.with_columns(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in COLUMNS)
