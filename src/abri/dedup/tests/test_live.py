"""The live check while a clerk types, and the one-record normalisation it stands on."""

import polars as pl
import pytest

from abri.dedup.engine import normalise, scalar
from abri.dedup.engine.prepare import FieldMap, prepare
from abri.dedup.live.index import LiveIndex
from abri.dedup.tests.conftest import MAP
from abri.synth import registries


def test_the_one_record_normalisation_agrees_with_the_vectorised_one() -> None:
    registry = registries.registry(3000, seed=5)
    names = pl.concat([registry["given_name"], registry["family_name"]]).unique()
    extra = pl.Series(["Ag-Mohamed", "Agmohamed", "Kɔnɛ", "Walet  Moussa", "—", "", "Œdipe", "Ould Ahmed dit Baba"])
    frame = pl.DataFrame({"name": pl.concat([names, extra])})
    tokens = normalise.name_tokens(pl.col("name"))
    vectorised = frame.select(
        pl.col("name"),
        tokens.alias("tokens"),
        normalise.joined_name(tokens).alias("joined"),
        normalise.phonetic_key(normalise.joined_name(tokens)).alias("key"),
    )
    for name, expected_tokens, joined, key in vectorised.iter_rows():
        one = scalar.name_tokens(name)
        assert list(one) == (expected_tokens or []), name
        assert scalar.joined_name(one) == joined, name
        assert scalar.phonetic_key(scalar.joined_name(one)) == key, name


@pytest.mark.parametrize("written", ["+223 76 12 34 56", "0022376123456", "76.12.34.56", "00000000", "12", None])
def test_phones_are_normalised_the_same_way_one_by_one(written: str | None) -> None:
    assert scalar.phone_number(written) == normalise.phone(written)


def test_the_live_check_shows_the_registered_person_first(registrations: pl.DataFrame) -> None:
    registered = registrations.filter(pl.col("id").str.contains("^[ABC]"))
    index = LiveIndex.build(prepare(registered, FieldMap(fields=MAP, id_column="id"), as_of_year=2024))
    matches = index.query(
        {"given_name": "Mouhamed", "family_name": "Ag-Moussa", "sex": "H", "birth_date": "2010", "location": "ML100301"}
    )
    assert matches[0].record_id == "A3"
    assert matches[0].household == "M-001"
    assert matches[0].evidence["given_name"] == "same name"
    assert matches[0].evidence["birth"] == "same year of birth"
    assert all(match.record_id != "C1" for match in matches)


def test_the_live_check_tells_the_younger_namesake_apart(registrations: pl.DataFrame) -> None:
    registered = registrations.filter(pl.col("id").str.contains("^[ABC]"))
    index = LiveIndex.build(prepare(registered, FieldMap(fields=MAP, id_column="id"), as_of_year=2024))
    matches = index.query({"given_name": "Mamadou", "family_name": "Traore", "sex": "M", "birth_date": "1976"})
    assert [match.record_id for match in matches][:1] == ["B1"]
    assert all(match.probability > 0 for match in matches)


def test_a_person_nobody_resembles_gets_no_match(registrations: pl.DataFrame) -> None:
    index = LiveIndex.build(prepare(registrations, FieldMap(fields=MAP, id_column="id"), as_of_year=2024))
    assert index.query({"given_name": "Zeinabou", "family_name": "Yattara", "birth_date": "1950"}) == []
    assert index.query({}) == []


def test_the_live_check_reads_the_exact_date_and_a_phone_one_digit_off(registrations: pl.DataFrame) -> None:
    registered = registrations.filter(pl.col("id").str.contains("^[ABC]"))
    index = LiveIndex.build(prepare(registered, FieldMap(fields=MAP, id_column="id"), as_of_year=2024))
    same_day = index.query({"given_name": "Mouhamed", "family_name": "Ag-Moussa", "birth_date": "2010-03-04"})
    other_day = index.query({"given_name": "Mouhamed", "family_name": "Ag-Moussa", "birth_date": "05/06/2010"})
    assert same_day[0].record_id == other_day[0].record_id == "A3"
    assert same_day[0].evidence["birth"] == "same date of birth"
    assert other_day[0].evidence["birth"] == "same year, other day"
    assert same_day[0].probability > other_day[0].probability
    typo = index.query({"given_name": "Mamadou", "family_name": "Traoré", "birth_date": "1975", "phone": "66010204"})
    assert typo[0].record_id == "B1"
    assert typo[0].evidence["phone"] == "one digit off"


def test_a_household_typed_again_finds_its_registered_household(registrations: pl.DataFrame) -> None:
    registered = registrations.filter(pl.col("id").str.contains("^[ABC]"))
    index = LiveIndex.build(prepare(registered, FieldMap(fields=MAP, id_column="id"), as_of_year=2024))
    typed = [
        {"given_name": "Mamadou", "family_name": "Traore", "sex": "H", "birth_date": "1977"},
        {"given_name": "Fatoumata", "family_name": "Koulibaly", "sex": "F", "birth_date": "1983"},
        {"given_name": "Awa", "family_name": "TRAORE", "sex": "F", "birth_date": "2008"},
    ]
    found = index.query_household(typed)
    assert found[0].household == "M-002"
    assert found[0].members_matched == 3
    assert [(position, match.record_id) for position, match in found[0].members] == [(0, "B1"), (1, "B2"), (2, "B3")]
