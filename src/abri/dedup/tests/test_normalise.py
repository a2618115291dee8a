"""Names, phones and places as registration clerks in the Sahel write them."""

import datetime

import polars as pl
import pytest

from abri.dedup.engine import normalise
from abri.dedup.engine.prepare import FieldMap, prepare


@pytest.mark.parametrize(
    "spellings",
    [
        ("Mohamed", "Mouhamed", "Mohammed", "Mahamadou", "MOHAMED"),
        ("Maïga", "Mayga", "MAIGA"),
        ("Coulibaly", "Koulibaly", "Kulibali"),
        ("Traoré", "Traore", "TRAORE"),
        ("Fatoumata", "Fatimata", "Fadimata"),
        ("Aïssata", "Aissatou"),
        ("Hawa", "Awa", "Haoua"),
        ("Abdoul Karim", "Abdoulkarim", "Abdoul-Karim"),
        ("Kɔnɛ", "Koné", "Kone"),
    ],
)
def test_spellings_of_one_name_become_one_canonical_name(spellings: tuple[str, ...]) -> None:
    assert len({normalise.canonical_name(spelling) for spelling in spellings}) == 1


@pytest.mark.parametrize("written", ["Ag Mohamed", "Ag-Mohamed", "AG MOHAMED", "Agmohamed", "ag mohamed"])
def test_the_ag_particle_is_dropped_however_it_is_written(written: str) -> None:
    assert normalise.tokens(written) == ["mohamed"]


@pytest.mark.parametrize(
    ("written", "tokens"),
    [
        ("Walet Alhousseini", ["alhousseini"]),
        ("Welet Moussa", ["moussa"]),
        ("Ould Ahmed", ["ahmed"]),
        ("Mint Mahmoud", ["mamoudou"]),
        ("Bint Ali", ["ali"]),
        ("Ben Issa", ["issa"]),
        ("El Hadj Oumar", ["elhadj", "oumar"]),
    ],
)
def test_patronymic_particles_and_articles_are_dropped(written: str, tokens: list[str]) -> None:
    assert normalise.tokens(written) == tokens


def test_names_that_differ_keep_different_keys() -> None:
    assert normalise.key("Mamadou") != normalise.key("Mohamed")
    assert normalise.key("Moussa") != normalise.key("Mariam")
    assert normalise.key("Traoré") != normalise.key("Touré")


@pytest.mark.parametrize(("left", "right"), [("Djallo", "Diallo"), ("Sissé", "Cissé"), ("Seynabou", "Zeinabou")])
def test_transcriptions_share_a_phonetic_key(left: str, right: str) -> None:
    assert normalise.key(left) == normalise.key(right)


def test_a_misspelt_name_outside_the_table_still_shares_the_key() -> None:
    # "Kouloubaly" is in no table; the key folds ou/u, y/i and the vowels.
    assert normalise.canonical_name("Kouloubaly") == "kouloubaly"
    assert normalise.key("Kouloubaly") == normalise.key("Coulibaly")


@pytest.mark.parametrize(
    ("written", "phone"),
    [
        ("+223 76 12 34 56", "76123456"),
        ("0022376123456", "76123456"),
        ("223-76-12-34-56", "76123456"),
        ("76.12.34.56", "76123456"),
        ("76123456.0", "76123456"),
        ("00000000", None),
        ("99999999", None),
        ("123", None),
        ("", None),
        (None, None),
    ],
)
def test_phones_become_malis_eight_digits(written: str | None, phone: str | None) -> None:
    assert normalise.phone(written) == phone


def test_a_full_name_is_split_at_the_particle_or_an_upper_case_family_name() -> None:
    frame = pl.DataFrame({"name": ["Moussa Ag Mohamed", "TRAORE Mamadou", "Fatoumata Diallo", "Awa"]})
    records = prepare(frame, FieldMap(fields={"full_name": "name"}), as_of_year=2024)
    assert records.select("given", "family").rows() == [
        ("moussa", "mohamed"),
        ("mamadou", "traore"),
        ("fatoumata", "diallo"),
        ("hawa", None),
    ]


def test_birth_dates_years_and_ages_give_a_year_and_only_true_dates_an_exact_date() -> None:
    frame = pl.DataFrame(
        {
            "birth": ["1980-12-02", "02/12/1980", "01/01/1975", "vers 1990", None, None, "32/13/1980"],
            "age": [None, None, None, None, "35 ans", "200", None],
        }
    )
    records = prepare(frame, FieldMap(fields={"birth_date": "birth", "age": "age"}), as_of_year=2024)
    assert records["birth_year"].to_list() == [1980, 1980, 1975, 1990, 1989, None, 1980]
    assert records["birth_date"].to_list() == [
        datetime.date(1980, 12, 2),
        datetime.date(1980, 12, 2),
        None,  # 1 January is how lists write "born in 1975"
        None,
        None,
        None,
        None,
    ]


def test_places_give_the_p_code_hierarchy_or_a_plain_name() -> None:
    frame = pl.DataFrame({"place": ["ML100101", "ml-1001", "Ménaka", None]})
    records = prepare(frame, FieldMap(fields={"location": "place"}), as_of_year=2024)
    assert records.select("loc1", "loc2", "loc3").rows() == [
        ("ML10", "ML1001", "ML100101"),
        ("ML10", "ML1001", None),
        (None, None, "menaka"),
        (None, None, None),
    ]


def test_sex_is_read_in_french_and_english() -> None:
    frame = pl.DataFrame({"sex": ["F", "Femme", "féminin", "M", "H", "Homme", "male", "?", None]})
    records = prepare(frame, FieldMap(fields={"sex": "sex"}), as_of_year=2024)
    assert records["sex"].to_list() == ["f", "f", "f", "m", "m", "m", "m", None, None]


def test_non_text_and_empty_values_do_not_break_preparation() -> None:
    frame = pl.DataFrame({"given": ["", "  ", "—", None], "id": ["1", "2", "3", "4"]})
    records = prepare(frame, FieldMap(fields={"given_name": "given"}, id_column="id"), as_of_year=2024)
    assert records["given"].to_list() == [None, None, None, None]
    assert records["record_id"].to_list() == ["1", "2", "3", "4"]


def test_a_date_written_without_separators_is_a_date() -> None:
    frame = pl.DataFrame({"birth": ["19801202", "19561309", "1980"]})
    records = prepare(frame, FieldMap(fields={"birth_date": "birth"}), as_of_year=2024)
    assert records["birth_date"].to_list() == [datetime.date(1980, 12, 2), None, None]
    assert records["birth_year"].to_list() == [1980, 1956, 1980]
