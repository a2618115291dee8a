"""What the model compares, field by field, as SQL over a pair of records.

Each `Comparison` sorts a pair into one of a few levels, best first ("same name", "same
phonetic key", …, "different"); the model gives each level a weight. The levels are plain
SQL over the columns of `pair_view_sql`, so the same definitions run on DuckDB here and on
any engine Splink drives (Spark) for registries larger than one machine.

Names are compared in the orientation that fits best, so "Traoré Mamadou" against
"Mamadou Traoré" is two agreeing names, not two disagreeing ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from abri.dedup.engine.prepare import compare_column_name

StrOrPromise = str | Promise

# A pair is read "swapped" when crossing given and family names fits this much better.
SWAP_MARGIN = 0.05


@dataclass(frozen=True)
class Level:
    """One level of a comparison: a label for the evidence, a SQL condition."""

    label: StrOrPromise
    sql: str


@dataclass(frozen=True)
class Comparison:
    """A field compared between two records, in ordered levels; the last level is "different"."""

    name: str
    label: StrOrPromise
    requires: tuple[str, ...]
    null_sql: str
    levels: tuple[Level, ...]
    tf_count: str | None = None  # column with the count of the agreeing value (term frequency)

    def gamma_sql(self) -> str:
        """SQL giving the level index (0 = best) or NULL when a value is missing."""
        cases = " ".join(f"WHEN {level.sql} THEN {index}" for index, level in enumerate(self.levels[:-1]))
        return f"CASE WHEN {self.null_sql} THEN NULL {cases} ELSE {len(self.levels) - 1} END"

    @property
    def column(self) -> str:
        """Name of the gamma column holding this comparison's level."""
        return f"g_{self.name}"


# Levels of agreement between two names (x, y rows of the name dictionary). Two records'
# names are compared through this table, computed once per distinct pair of names: a
# registry of a million people has a few thousand names, not millions.
NAME_LEVELS: tuple[Level, ...] = (
    Level(_("same name"), "x.name_id = y.name_id"),
    Level(_("same phonetic key"), "x.key = y.key"),
    Level(_("a name in common"), "list_has_any(x.tokens, y.tokens)"),
    Level(_("very similar spelling"), "jaro_winkler_similarity(x.name, y.name) >= 0.92"),
    Level(_("similar spelling"), "jaro_winkler_similarity(x.name, y.name) >= 0.80"),
    Level(_("different"), "TRUE"),
)


def name_level_sql() -> str:
    """SQL giving the level (0 = same name) of two names x and y of the name dictionary."""
    cases = " ".join(f"WHEN {level.sql} THEN {index}" for index, level in enumerate(NAME_LEVELS[:-1]))
    return f"CASE {cases} ELSE {len(NAME_LEVELS) - 1} END"


def _name_comparison(part: str, label: StrOrPromise) -> Comparison:
    return Comparison(
        name=f"{part}_name",
        label=label,
        requires=(part,),
        null_sql=f"{part}_level IS NULL",
        levels=tuple(Level(level.label, f"{part}_level = {index}") for index, level in enumerate(NAME_LEVELS)),
        tf_count=f"{part}_count",
    )


def _text_comparison(index: int, column: str) -> Comparison:
    name = compare_column_name(index)
    return Comparison(
        name=name,
        label=column,
        requires=(name,),
        null_sql=f"{name}_a IS NULL OR {name}_b IS NULL",
        levels=(
            Level(_("same"), f"{name}_a = {name}_b"),
            Level(_("very similar"), f"jaro_winkler_similarity({name}_a, {name}_b) >= 0.9"),
            Level(_("similar"), f"jaro_winkler_similarity({name}_a, {name}_b) >= 0.7"),
            Level(_("different"), "TRUE"),
        ),
    )


GIVEN_NAME = _name_comparison("given", _("given name"))
FAMILY_NAME = _name_comparison("family", _("family name"))
SEX = Comparison(
    name="sex",
    label=_("sex"),
    requires=("sex",),
    null_sql="sex_a IS NULL OR sex_b IS NULL",
    levels=(Level(_("same"), "sex_a = sex_b"), Level(_("different"), "TRUE")),
)
BIRTH = Comparison(
    name="birth",
    label=_("birth"),
    requires=("birth_year",),
    null_sql="birth_year_a IS NULL OR birth_year_b IS NULL",
    levels=(
        Level(_("same date of birth"), "birth_date_a = birth_date_b"),
        Level(
            _("same year of birth"),
            "birth_year_a = birth_year_b AND (birth_date_a IS NULL OR birth_date_b IS NULL)",
        ),
        Level(_("same year, other day"), "birth_year_a = birth_year_b"),
        Level(_("one year apart"), "abs(birth_year_a - birth_year_b) = 1"),
        Level(_("two or three years apart"), "abs(birth_year_a - birth_year_b) <= 3"),
        Level(_("four to six years apart"), "abs(birth_year_a - birth_year_b) <= 6"),
        Level(_("different"), "TRUE"),
    ),
)
PHONE = Comparison(
    name="phone",
    label=_("phone"),
    requires=("phone",),
    null_sql="phone_a IS NULL OR phone_b IS NULL",
    levels=(
        Level(_("same number"), "phone_a = phone_b"),
        Level(_("one digit off"), "length(phone_a) = length(phone_b) AND damerau_levenshtein(phone_a, phone_b) <= 1"),
        Level(_("different"), "TRUE"),
    ),
)
ID_NUMBER = Comparison(
    name="id_number",
    label=_("identity document"),
    requires=("id_number",),
    null_sql="id_number_a IS NULL OR id_number_b IS NULL",
    levels=(
        Level(_("same number"), "id_number_a = id_number_b"),
        Level(_("one character off"), "damerau_levenshtein(id_number_a, id_number_b) <= 1"),
        Level(_("different"), "TRUE"),
    ),
)
LOCATION = Comparison(
    name="location",
    label=_("location"),
    requires=("loc3",),
    null_sql="coalesce(loc3_a, loc2_a, loc1_a) IS NULL OR coalesce(loc3_b, loc2_b, loc1_b) IS NULL",
    levels=(
        Level(_("same commune"), "loc3_a = loc3_b"),
        Level(_("same cercle"), "loc2_a = loc2_b"),
        Level(_("same region"), "loc1_a = loc1_b"),
        Level(_("different"), "TRUE"),
    ),
)
HOUSEHOLD = Comparison(
    name="household",
    label=_("household"),
    requires=("household",),
    null_sql="household_size_a IS NULL OR household_size_b IS NULL OR household_size_a < 2 OR household_size_b < 2",
    levels=(
        Level(_("two or more other members match"), "other_members_matched >= 2"),
        # In a small household one other member is most of it; in a large one, a single
        # other match is as often two families sharing a namesake.
        Level(
            _("one other member matches, small household"),
            "other_members_matched = 1 AND least(household_size_a, household_size_b) <= 3",
        ),
        Level(_("one other member matches"), "other_members_matched = 1"),
        Level(_("no other member matches"), "TRUE"),
    ),
)

PERSON_COMPARISONS: tuple[Comparison, ...] = (GIVEN_NAME, FAMILY_NAME, SEX, BIRTH, PHONE, ID_NUMBER, LOCATION)

# Record columns the pair view carries for each side (names come as levels, see below).
_SIDE_COLUMNS = ("sex", "birth_year", "birth_date", "phone", "id_number", "loc1", "loc2", "loc3")


def person_comparisons(present: set[str], compare_columns: list[str]) -> list[Comparison]:
    """The comparisons that make sense for the data: a field nobody filled in is not compared."""
    chosen = [
        comparison for comparison in PERSON_COMPARISONS if all(column in present for column in comparison.requires)
    ]
    chosen += [_text_comparison(index, column) for index, column in enumerate(compare_columns)]
    return [comparison for comparison in chosen if all(column in present for column in comparison.requires)]


def _pack(left: str, right: str) -> str:
    """One integer key for an unordered pair of name ids."""
    return f"(least({left}, {right})::UBIGINT << 32) | greatest({left}, {right})"


def _crossed(a: str, b: str) -> str:
    """SQL: the pair's names agree better crossed (given against family) than straight, by phonetic key.

    Keys, not levels: they sit on the records, so the orientation costs no join. A swap
    combined with a typo that changes a key is read straight (and mostly scores low).
    """
    straight = f"(({a}.given_key = {b}.given_key)::INT + ({a}.family_key = {b}.family_key)::INT)"
    crossed = f"(({a}.given_key = {b}.family_key)::INT + ({a}.family_key = {b}.given_key)::INT)"
    return f"(coalesce({crossed}, 0) > coalesce({straight}, 0))"


def _oriented(b: str, part: str, crossed: str) -> str:
    other = "family" if part == "given" else "given"
    return f"CASE WHEN {crossed} THEN {b}.{other}_id ELSE {b}.{part}_id END"


def name_pairs_sql(*, pairs: str, records: str) -> str:
    """SQL of the distinct name-id pairs (packed) that comparing ``pairs`` needs."""
    crossed = _crossed("ra", "rb")
    # One pass over the pairs for both parts: the joins to the records are most of the cost.
    keys = ", ".join(_pack(f"ra.{part}_id", _oriented("rb", part, crossed)) for part in ("given", "family"))
    return f"""
        SELECT DISTINCT k FROM (
            SELECT unnest([{keys}]) AS k FROM {pairs} p
            JOIN {records} ra ON ra.rid = p.a JOIN {records} rb ON rb.rid = p.b)
        WHERE k IS NOT NULL
    """  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608


def name_levels_sql(*, keys: str, names: str) -> str:
    """SQL of (k, level) for packed name-id pairs ``keys`` against the name dictionary ``names``."""
    return f"""
        SELECT k, ({name_level_sql()})::TINYINT AS level FROM {keys} n
        JOIN {names} x ON x.name_id = (n.k >> 32)::UINTEGER
        JOIN {names} y ON y.name_id = (n.k & 4294967295)::UINTEGER
    """  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608


def pair_view_sql(*, pairs: str, records: str, name_levels: str, text_columns: list[str]) -> str:
    """SQL of the pairs joined to both records, names in their best-fitting orientation.

    Given against given and family against family, or crossed when the phonetic keys agree
    better that way ("Traoré Mamadou" against "Mamadou Traoré"); each name agreement comes
    from ``name_levels`` (k, level). ``records`` carries given_id, family_id, the keys,
    given_count, family_count and name_count (records with the same given and family names).
    """
    columns = (*_SIDE_COLUMNS, *text_columns)
    sides = ", ".join(f"ra.{column} AS {column}_a, rb.{column} AS {column}_b" for column in columns)
    crossed = _crossed("ra", "rb")
    return f"""
        SELECT p.a, p.b, {sides}, n_g.level AS given_level, n_f.level AS family_level,
               ra.given_count AS given_count, ra.family_count AS family_count, ra.name_count AS name_count
        FROM {pairs} p JOIN {records} ra ON ra.rid = p.a JOIN {records} rb ON rb.rid = p.b
        LEFT JOIN {name_levels} n_g ON n_g.k = {_pack("ra.given_id", _oriented("rb", "given", crossed))}
        LEFT JOIN {name_levels} n_f ON n_f.k = {_pack("ra.family_id", _oriented("rb", "family", crossed))}
    """  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608


def gamma_sql(
    *, pairs: str, records: str, name_levels: str, comparisons: list[Comparison], text_columns: list[str]
) -> str:
    """SQL of one row per pair: a, b, one level column per comparison and the name counts."""
    view = pair_view_sql(pairs=pairs, records=records, name_levels=name_levels, text_columns=text_columns)
    levels = ", ".join(f"({comparison.gamma_sql()})::TINYINT AS {comparison.column}" for comparison in comparisons)
    return f"SELECT a, b, {levels}, given_count, family_count, name_count FROM ({view})"  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
