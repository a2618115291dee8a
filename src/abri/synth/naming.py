"""Names drawn in bulk: an entry per person from their group, then how it was spelled this time."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import polars as pl

from abri.synth import names
from abri.synth.codes import CHILD, GRANDCHILD, HEAD, NON_RELATIVE, PARENT, SIBLING, SPOUSE


class _NameTable:
    """Weighted name entries per group, each with weighted spellings, drawn and spelled in bulk."""

    def __init__(self, table: dict[str, dict[str, float]]) -> None:
        self.variants: list[str] = []
        bounds: list[float] = []
        self.by_group: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        entry = 0
        for group_name, entries in table.items():
            ids, weights = [], []
            for spellings, weight in entries.items():
                variants = spellings.split("|")
                share = np.array(names.VARIANT_WEIGHTS[: len(variants)]) / sum(names.VARIANT_WEIGHTS[: len(variants)])
                cumulative = np.cumsum(share)
                cumulative[-1] = 1.0
                self.variants.extend(variants)
                bounds.extend(entry + cumulative)
                ids.append(entry)
                weights.append(weight)
                entry += 1
            self.by_group[names.GROUPS.index(group_name)] = (np.array(ids), np.array(weights) / sum(weights))
        self.bounds = np.array(bounds)
        self.series = pl.Series(self.variants, dtype=pl.String)

    def draw(self, rng: np.random.Generator, groups: np.ndarray) -> np.ndarray:
        """One name entry per person of ``groups`` (-1 where the group has no such names)."""
        entries = np.full(len(groups), -1, dtype=np.int64)
        for group, (ids, weights) in self.by_group.items():
            mask = groups == group
            count = int(mask.sum())
            if count:
                entries[mask] = rng.choice(ids, size=count, p=weights)
        return entries

    def spell(self, rng: np.random.Generator, entries: np.ndarray) -> pl.Series:
        """How each entry was written this time (entries of -1 give null)."""
        picked = np.searchsorted(self.bounds, entries + rng.random(len(entries)), side="right")
        spelled = self.series.gather(np.where(entries >= 0, picked, 0))
        return pl.select(pl.when(pl.Series(entries >= 0)).then(spelled).otherwise(None)).to_series()


@lru_cache(maxsize=1)
def _tables() -> dict[str, _NameTable]:
    return {
        "male": _NameTable(names.MALE_NAMES),
        "female": _NameTable(names.FEMALE_NAMES),
        "family": _NameTable(names.FAMILY_NAMES),
    }


def group_weights(pcode: str) -> np.ndarray:
    """How likely each group is among the displaced of ``pcode`` (longest P-code prefix in GROUP_MIX)."""
    prefix = max((key for key in names.GROUP_MIX if pcode.startswith(key)), key=len)
    mix = names.GROUP_MIX[prefix]
    weights = np.array([mix.get(group, 0.0) for group in names.GROUPS])
    return weights / weights.sum()


def name_columns(
    rng: np.random.Generator,
    *,
    household: np.ndarray,
    group: np.ndarray,
    relationship: np.ndarray,
    female: np.ndarray,
) -> list[pl.Series]:
    """The given names and family names of every person, per the naming customs of their group."""
    tables = _tables()
    people = len(household)
    count = len(group)
    # A wife may come from another group, so may a non-relative.
    person_group = group[household].copy()
    outsider = ((relationship == SPOUSE) & (rng.random(people) < 0.15)) | (
        (relationship == NON_RELATIVE) & (rng.random(people) < 0.3)
    )
    person_group[outsider] = rng.choice(len(names.GROUPS), size=int(outsider.sum()))
    given_entry = np.where(female, tables["female"].draw(rng, person_group), tables["male"].draw(rng, person_group))
    second_entry = np.where(female, tables["female"].draw(rng, person_group), tables["male"].draw(rng, person_group))
    second_entry[rng.random(people) >= 0.08] = -1

    # Household lines: the head's father and clan; the children's father and clan.
    is_head = relationship == HEAD
    head_given = np.zeros(count, dtype=np.int64)
    head_given[household[is_head]] = given_entry[is_head]
    head_female = np.zeros(count, dtype=bool)
    head_female[household[is_head]] = female[is_head]
    head_father = tables["male"].draw(rng, group)
    head_clan = tables["family"].draw(rng, group)
    children_father = np.where(head_female, tables["male"].draw(rng, group), head_given)
    children_clan = np.where(head_female, tables["family"].draw(rng, group), head_clan)

    own_father = tables["male"].draw(rng, person_group)
    own_clan = tables["family"].draw(rng, person_group)
    line = np.select(
        [
            is_head | (relationship == SIBLING) | ((relationship == PARENT) & ~female),
            relationship == CHILD,
            (relationship == GRANDCHILD) & (rng.random(people) < 0.7),
        ],
        [1, 2, 1],
        0,
    )
    line[outsider] = 0
    father = np.select([line == 1, line == 2], [head_father[household], children_father[household]], own_father)
    clan = np.select([line == 1, line == 2], [head_clan[household], children_clan[household]], own_clan)

    male_table = tables["male"]
    given = tables["female"].spell(rng, np.where(female, given_entry, -1))
    given = given.fill_null(male_table.spell(rng, np.where(female, -1, given_entry)))
    second = tables["female"].spell(rng, np.where(female, second_entry, -1))
    second = second.fill_null(male_table.spell(rng, np.where(female, -1, second_entry)))
    given_names = pl.select(
        pl.when(second.is_null()).then(given).otherwise(pl.concat_str([given, second], separator=" "))
    ).to_series()

    patronymic_group = np.isin(person_group, [names.GROUPS.index(g) for g in names.PATRONYMIC_GROUPS])
    prefix = _patronymic_prefixes(rng, person_group, female)
    father_name = male_table.spell(rng, np.where(patronymic_group, father, -1))
    clan_name = tables["family"].spell(rng, np.where(patronymic_group, -1, clan))
    joined = pl.concat_str([prefix, father_name])
    family_name = pl.select(pl.when(pl.Series(patronymic_group)).then(joined).otherwise(clan_name)).to_series()
    # Some clerks type family names in capitals.
    capitals = pl.Series(rng.random(people) < 0.06)
    family_name = pl.select(pl.when(capitals).then(family_name.str.to_uppercase()).otherwise(family_name)).to_series()
    return [given_names.alias("given_names"), family_name.fill_null("").alias("family_name")]


@lru_cache(maxsize=1)
def _prefix_table() -> tuple[list[str], np.ndarray, dict[tuple[int, bool], int]]:
    variants: list[str] = []
    bounds: list[float] = []
    entries: dict[tuple[int, bool], int] = {}
    for group_name, by_sex in names.PATRONYMIC_PREFIXES.items():
        for sex, spellings in by_sex.items():
            written = [text if text.endswith("-") else f"{text} " for text in spellings.split("|")]
            share = np.array(names.VARIANT_WEIGHTS[: len(written)]) / sum(names.VARIANT_WEIGHTS[: len(written)])
            cumulative = np.cumsum(share)
            cumulative[-1] = 1.0
            entry = len(entries)
            entries[(names.GROUPS.index(group_name), sex == "female")] = entry
            variants.extend(written)
            bounds.extend(entry + cumulative)
    return variants, np.array(bounds), entries


def _patronymic_prefixes(rng: np.random.Generator, person_group: np.ndarray, female: np.ndarray) -> pl.Series:
    variants, bounds, entries = _prefix_table()
    entry = np.full(len(person_group), -1, dtype=np.int64)
    for (group, is_female), number in entries.items():
        entry[(person_group == group) & (female == is_female)] = number
    picked = np.searchsorted(bounds, entry + rng.random(len(entry)), side="right")
    return pl.Series(variants, dtype=pl.String).gather(np.where(entry >= 0, picked, 0))
