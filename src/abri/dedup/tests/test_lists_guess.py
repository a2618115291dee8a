"""The first guess at what each column of a partner list holds, from its name."""

import polars as pl

from abri.dedup.lists.selectors import guess_roles


def _frame(columns: dict[str, list[str]]) -> pl.DataFrame:
    return pl.DataFrame(columns)


def test_french_column_names_are_recognised():
    frame = _frame(
        {
            "N°": ["1", "2"],
            "Nom complet": ["Moussa Ag Mohamed", "Fadimata Walet Alhousseini"],
            "Âge": ["44", "39"],
            "SEXE (M/F)": ["M", "F"],
            "Tél. du chef": ["76 12 34 56", ""],
            "NINA": ["1234", "5678"],
            "Code commune": ["ML100101", "ML100101"],
            "ID ménage": ["M-001", "M-001"],
            "Observation": ["", ""],
        }
    )
    assert guess_roles(frame) == {
        "N°": "id",
        "Nom complet": "full_name",
        "Âge": "age",
        "SEXE (M/F)": "sex",
        "Tél. du chef": "phone",
        "NINA": "id_number",
        "Code commune": "location",
        "ID ménage": "household_id",
    }


def test_nom_is_the_family_name_beside_a_given_name_and_the_whole_name_alone():
    assert guess_roles(_frame({"Prénom": ["Awa"], "Nom": ["Traoré"]})) == {
        "Prénom": "given_name",
        "Nom": "family_name",
    }
    assert guess_roles(_frame({"Nom": ["Awa Traoré"], "Sexe": ["F"]})) == {"Nom": "full_name", "Sexe": "sex"}


def test_an_id_column_with_repeated_values_is_not_guessed_as_the_id():
    frame = _frame({"ID": ["A1", "A1"], "Prénom": ["Awa", "Awa"]})
    assert guess_roles(frame) == {"Prénom": "given_name"}


def test_one_field_is_guessed_from_one_column_only():
    frame = _frame({"Téléphone 1": ["76"], "Téléphone 2": ["66"]})
    assert guess_roles(frame) == {"Téléphone 1": "phone"}
