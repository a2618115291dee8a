"""The live check while a clerk types, and the one-record normalisation it stands on."""

import polars as pl
import pytest

from abri.dedup import normalise, scalar, synthetic
from abri.dedup.live import LiveIndex
from abri.dedup.prepare import FieldMap, prepare
from abri.dedup.tests.conftest import MAP


def test_the_one_record_normalisation_agrees_with_the_vectorised_one() -> None:
    registry = synthetic.registry(3000, seed=5)
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
