"""The check while a clerk types: likely matches for one person against the whole registry.

`LiveIndex.build` keeps the registry's prepared records as numpy arrays with three look-up
tables (the two name keys in either order, the phone, the identity number); `query`
normalises one person in plain Python (`scalar`), gathers the records sharing a key, and
scores them with the model's weights in a few vectorised numpy operations, so the answer
comes in milliseconds against a million people. Household context needs the household to
be registered: the live check compares people one by one.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import polars as pl
from django.utils import translation
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from abri.dedup.engine import scalar
from abri.dedup.engine.comparisons import BIRTH, FAMILY_NAME, GIVEN_NAME, ID_NUMBER, LOCATION, PHONE, SEX
from abri.dedup.engine.model import TF_PSEUDO_COUNT, Model, default_model, prior_weight

_NONE = -1
_MAX_CANDIDATES = 20_000
_EPOCH = datetime.date(1970, 1, 1)


def _logit2(probability: float) -> float:
    return float(np.log2(probability / (1.0 - probability)))


@dataclass
class Match:
    """A registered person who may be the one being typed."""

    record_id: str
    household: str | None
    probability: float
    evidence: dict[str, str] = field(default_factory=dict)


@dataclass
class HouseholdMatch:
    """A registered household that shares members with the one being typed."""

    household: str
    members_matched: int
    size: int
    members: list[tuple[int, Match]]  # (position of the typed member, their likely match)


def _codes(values: pl.Series) -> tuple[npt.NDArray[np.int32], dict[str, int]]:
    categories = values.drop_nulls().unique().sort().to_list()
    lookup = {value: index for index, value in enumerate(categories)}
    codes = values.replace_strict(lookup, default=_NONE, return_dtype=pl.Int32).to_numpy()
    return codes.astype(np.int32), lookup


def _groups(keys: pl.Series) -> dict[object, npt.NDArray[np.int32]]:
    frame = pl.DataFrame({"key": keys, "row": pl.int_range(len(keys), dtype=pl.Int32, eager=True)})
    grouped = frame.drop_nulls("key").group_by("key").agg(pl.col("row"))
    return {key: np.asarray(rows, dtype=np.int32) for key, rows in grouped.iter_rows()}


@lru_cache(maxsize=16)
def _labels(language: str) -> dict[str, tuple[str, ...]]:
    """Each comparison's level labels in ``language`` (the active one), translated once."""
    comparisons = (GIVEN_NAME, FAMILY_NAME, SEX, BIRTH, PHONE, ID_NUMBER, LOCATION)
    return {c.name: tuple(str(level.label) for level in c.levels) for c in comparisons}


class LiveIndex:
    """The registry in memory, ready to answer "who could this be?" for one person."""

    def __init__(self, records: pl.DataFrame, model: Model, *, returning: float) -> None:
        self.model = model
        self.size = len(records)
        # One person typed against N registered: the chance that a given one is them is the
        # share of people who come back (``returning``) spread over the registry.
        self.prior = returning / max(self.size, 1)
        self.record_id = records["record_id"].to_numpy()
        self.household = records["household"].str.replace(r"^[01]:", "").to_numpy()
        self.household_code, household_lookup = _codes(records["household"].str.replace(r"^[01]:", ""))
        self.household_names = np.array(sorted(household_lookup, key=household_lookup.__getitem__), dtype=object)
        self.household_size = np.bincount(
            self.household_code[self.household_code >= 0], minlength=len(household_lookup)
        )
        names = pl.concat([records["given"], records["family"]]).drop_nulls().unique().sort()
        self.name_lookup = {name: index for index, name in enumerate(names.to_list())}
        self.names = names.to_list()
        name_codes = pl.DataFrame({"name": names, "code": pl.int_range(len(names), dtype=pl.Int32, eager=True)})
        self.given = records.select(
            pl.col("given").replace_strict(name_codes["name"], name_codes["code"], default=_NONE)
        )["given"].to_numpy()
        self.family = records.select(
            pl.col("family").replace_strict(name_codes["name"], name_codes["code"], default=_NONE)
        )["family"].to_numpy()
        counts = pl.concat([records["given"], records["family"]]).drop_nulls().value_counts()
        self.name_count = dict(counts.iter_rows())
        self.named = int(records["given"].count())
        all_keys = pl.concat([records["given_key"], records["family_key"]]).drop_nulls().unique().sort()
        self.key_lookup = {key: index for index, key in enumerate(all_keys.to_list())}
        keys = records.select(
            pl.col("given_key").replace_strict(self.key_lookup, default=_NONE, return_dtype=pl.Int32).alias("g"),
            pl.col("family_key").replace_strict(self.key_lookup, default=_NONE, return_dtype=pl.Int32).alias("f"),
        )
        self.given_key = keys["g"].to_numpy()
        self.family_key = keys["f"].to_numpy()
        self.sex = records["sex"].replace_strict({"f": 1, "m": 2}, default=0, return_dtype=pl.Int8).to_numpy()
        self.year = records["birth_year"].fill_null(0).cast(pl.Int16).to_numpy()
        self.date = records["birth_date"].cast(pl.Int32).fill_null(0).to_numpy()
        # Phones and identity numbers as codes: comparing a thousand candidates is one numpy
        # operation, and the spelling of the few distinct values among them is looked at once.
        self.phone, self.phone_lookup = _codes(records["phone"])
        self.phones = np.array(sorted(self.phone_lookup, key=self.phone_lookup.__getitem__), dtype=object)
        self.id_number, self.id_lookup = _codes(records["id_number"])
        self.id_numbers = np.array(sorted(self.id_lookup, key=self.id_lookup.__getitem__), dtype=object)
        self.loc1, self.loc1_lookup = _codes(records["loc1"])
        self.loc2, self.loc2_lookup = _codes(records["loc2"])
        self.loc3, self.loc3_lookup = _codes(records["loc3"])
        pair = keys.select(pl.format("{}:{}", pl.min_horizontal("g", "f"), pl.max_horizontal("g", "f")).alias("pair"))[
            "pair"
        ]
        self.by_names = _groups(pair)
        # Each name key alone (either part), for a typo that changed the other key.
        self.by_key = _groups(pl.concat([keys["g"], keys["f"]]).replace(_NONE, None))
        self.by_key = {key: rows % self.size for key, rows in self.by_key.items()}
        self.by_phone = _groups(records["phone"])
        self.by_id = _groups(records["id_number"])
        self.weights = {
            name: parameters.log2_bayes_factors() for name, parameters in model.fields.items() if name != "household"
        }

    @classmethod
    def build(cls, records: pl.DataFrame, model: Model | None = None, *, returning: float = 0.15) -> LiveIndex:
        """Index prepared records (`abri.dedup.engine.prepare.prepare`) with a model (the default one if none)."""
        return cls(records, model or default_model(), returning=returning)

    # -- one person ---------------------------------------------------------------------
    def _key(self, name: str | None) -> int:
        key = scalar.phonetic_key(name)
        return self.key_lookup.get(key, _NONE) if key else _NONE

    def query(self, person: Mapping[str, str | None], *, threshold: float = 0.05, limit: int = 10) -> list[Match]:
        """Registered people likely to be ``person`` (raw fields: given_name, family_name, sex, birth_date,
        birth_year, age, phone, id_number, location), most likely first."""
        scored = self._score(person)
        if scored is None:
            return []
        rows, total, evidence = scored
        probability = 1.0 / (1.0 + np.exp2(-total))
        order = np.argsort(-probability)[:limit]
        return [self._match(rows[i], float(probability[i]), evidence, i) for i in order if probability[i] >= threshold]

    def query_household(
        self, members: Sequence[Mapping[str, str | None]], *, threshold: float = 0.05, limit: int = 5
    ) -> list[HouseholdMatch]:
        """Registered households likely to be the one being typed, with each typed member's likely match there.

        A household registered again shares most of its members: each registered household
        found for two typed members or more adds the household comparison's weight (as the
        engine does) to its members' pairs, and households are ranked by the members they share.
        """
        # Each typed member's best candidate in every registered household among its candidates.
        scored_members = [self._score(person) for person in members]
        parts: list[tuple[npt.NDArray[np.int32], int, npt.NDArray[np.float64], npt.NDArray[np.intp]]] = []
        for position, scored in enumerate(scored_members):
            if scored is None:
                continue
            rows, total, _evidence = scored
            order = np.argsort(-total, kind="stable")
            households = self.household_code[rows[order]]
            distinct, first = np.unique(households, return_index=True)
            keep = distinct != _NONE
            best = order[first[keep]]
            parts.append((distinct[keep].astype(np.int32), position, total[best], best))
        if not parts:
            return []
        household = np.concatenate([part[0] for part in parts])
        positions = np.concatenate([np.full(len(part[0]), part[1], dtype=np.int32) for part in parts])
        bits = np.concatenate([part[2] for part in parts])
        index = np.concatenate([part[3] for part in parts])
        # Other typed members likely found in the same household add the household comparison's
        # weight to each member's pair there (even a weak one: a child whose age was guessed).
        codes, inverse = np.unique(household, return_inverse=True)
        likely = bits >= _logit2(0.001)
        others = np.bincount(inverse, weights=likely, minlength=len(codes))[inverse].astype(np.int64) - likely
        context = self.weights.get("household")
        bonus = np.zeros(len(bits))
        if context is not None:
            bonus = np.select([others >= 2, others == 1], [float(context[0]), float(context[2])], 0.0)
        probability = 1.0 / (1.0 + np.exp2(-(bits + bonus)))
        shown = probability >= threshold
        matched = np.bincount(inverse[shown], minlength=len(codes))
        strongest = np.zeros(len(codes))
        np.maximum.at(strongest, inverse[shown], probability[shown])
        ranked = [int(i) for i in np.lexsort((-strongest, -matched)) if matched[i] > 0][:limit]
        found = []
        for at in ranked:
            entries = np.flatnonzero(shown & (inverse == at))
            matches = []
            for entry in entries[np.argsort(positions[entries], kind="stable")]:
                scored = scored_members[int(positions[entry])]
                assert scored is not None
                row = int(scored[0][index[entry]])
                matches.append(
                    (int(positions[entry]), self._match(row, float(probability[entry]), scored[2], int(index[entry])))
                )
            found.append(
                HouseholdMatch(
                    household=str(self.household_names[codes[at]]),
                    members_matched=len(matches),
                    size=int(self.household_size[codes[at]]),
                    members=matches,
                )
            )
        return found

    def _match(self, row: int, probability: float, evidence: dict[str, npt.NDArray[np.int8]], index: int) -> Match:
        labels = _labels(translation.get_language() or "")
        return Match(
            record_id=str(self.record_id[row]),
            household=self.household[row],
            probability=round(probability, 4),
            evidence={
                name: labels[name][int(levels[index])] for name, levels in evidence.items() if levels[index] >= 0
            },
        )

    def _score(
        self, person: Mapping[str, str | None]
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64], dict[str, npt.NDArray[np.int8]]] | None:
        """Candidate rows for one person, their total weight in bits (prior included) and levels."""
        as_of = datetime.datetime.now(tz=datetime.UTC).year
        given_tokens = scalar.name_tokens(person.get("given_name"))
        family_tokens = scalar.name_tokens(person.get("family_name"))
        given = scalar.joined_name(given_tokens)
        family = scalar.joined_name(family_tokens)
        given_key, family_key = self._key(given), self._key(family)
        year = scalar.birth_year(
            person.get("birth_date") or person.get("birth_year"), age=person.get("age"), as_of_year=as_of
        )
        exact = scalar.birth_date(person.get("birth_date"))
        day = (exact - _EPOCH).days if exact is not None and exact.year == year else None
        phone = scalar.phone_number(person.get("phone"))
        id_number = scalar.id_number(person.get("id_number"))
        rows = self._candidates(given_key, family_key, phone, id_number, year)
        if len(rows) == 0:
            return None
        total = np.full(len(rows), prior_weight(self.prior))
        evidence: dict[str, npt.NDArray[np.int8]] = {}
        crossed = self._crossed(rows, given_key, family_key)
        for part, value, key, tokens in (
            ("given", given, given_key, given_tokens),
            ("family", family, family_key, family_tokens),
        ):
            if value is None:
                continue
            levels = self._name_levels(rows, crossed=crossed, part=part, value=value, key=key, tokens=tokens)
            evidence[f"{part}_name"] = levels
            total += self._weigh(f"{part}_name", levels)
            exact = levels == 0
            if exact.any():
                total[exact] += self._frequency_bits(f"{part}_name", value)
        sex_text = scalar.clean_text(person.get("sex"))
        sex = {"f": 1, "femme": 1, "m": 2, "h": 2, "homme": 2}.get(sex_text or "", 0)
        if sex:
            levels = np.where(self.sex[rows] == 0, _NONE, np.where(self.sex[rows] == sex, 0, 1)).astype(np.int8)
            evidence["sex"] = levels
            total += self._weigh("sex", levels)
        if year is not None:
            known = self.year[rows] != 0
            gap = np.abs(self.year[rows].astype(np.int32) - year)
            # Same year: the same day when both dates are known, another day, or one side's year alone.
            dated = (self.date[rows] != 0) & (day is not None)
            same_day = dated & (self.date[rows] == (day or 0))
            levels = np.select(
                [~known, same_day, (gap == 0) & dated, gap == 0, gap == 1, gap <= 3, gap <= 6],
                [_NONE, 0, 2, 1, 3, 4, 5],
                6,
            ).astype(np.int8)
            evidence["birth"] = levels
            total += self._weigh("birth", levels)
        for name, value, codes, lookup, values in (
            ("phone", phone, self.phone, self.phone_lookup, self.phones),
            ("id_number", id_number, self.id_number, self.id_lookup, self.id_numbers),
        ):
            if value is not None:
                levels = self._number_levels(codes[rows], value, lookup, values, same_length=name == "phone")
                evidence[name] = levels
                total += self._weigh(name, levels)
        location = self._location_levels(rows, person.get("location"))
        if location is not None:
            evidence["location"] = location
            total += self._weigh("location", location)
        return rows, total, evidence

    def _candidates(
        self, given_key: int, family_key: int, phone: str | None, id_number: str | None, year: int | None
    ) -> npt.NDArray[np.int32]:
        found = []
        if given_key != _NONE or family_key != _NONE:
            low, high = sorted((given_key, family_key))
            found.append(self.by_names.get(f"{low}:{high}", np.empty(0, np.int32)))
        if phone:
            found.append(self.by_phone.get(phone, np.empty(0, np.int32)))
        if id_number:
            found.append(self.by_id.get(id_number, np.empty(0, np.int32)))
        strong = np.unique(np.concatenate(found)) if found else np.empty(0, np.int32)
        if year is not None and len(strong) > 50:
            years = self.year[strong]
            strong = strong[(years == 0) | (np.abs(years.astype(np.int32) - year) <= 6)]
        if year is None:
            return strong[:_MAX_CANDIDATES]
        # One key alone (a typo changed the other), near the same year of birth; when a common
        # name brings too many, the closest years first.
        weak = [self.by_key.get(key, np.empty(0, np.int32)) for key in {given_key, family_key} - {_NONE}]
        rows = np.unique(np.concatenate(weak)) if weak else np.empty(0, np.int32)
        gap = np.abs(self.year[rows].astype(np.int32) - year)
        rows, gap = rows[gap <= 3], gap[gap <= 3]
        room = _MAX_CANDIDATES - len(strong)
        if len(rows) > room:
            rows = rows[np.argsort(gap, kind="stable")[: max(room, 0)]]
        return np.union1d(strong, rows)[:_MAX_CANDIDATES]

    def _crossed(self, rows: npt.NDArray[np.int32], given_key: int, family_key: int) -> npt.NDArray[np.bool_]:
        straight = (self.given_key[rows] == given_key).astype(int) + (self.family_key[rows] == family_key)
        crossed = (self.family_key[rows] == given_key).astype(int) + (self.given_key[rows] == family_key)
        return crossed > straight

    def _name_levels(
        self,
        rows: npt.NDArray[np.int32],
        *,
        crossed: npt.NDArray[np.bool_],
        part: str,
        value: str,
        key: int,
        tokens: tuple[str, ...],
    ) -> npt.NDArray[np.int8]:
        own, other = (self.given, self.family) if part == "given" else (self.family, self.given)
        own_key, other_key = (self.given_key, self.family_key) if part == "given" else (self.family_key, self.given_key)
        ids = np.where(crossed, other[rows], own[rows])
        keys = np.where(crossed, other_key[rows], own_key[rows])
        code = self.name_lookup.get(value, -2)
        levels = np.full(len(rows), 5, dtype=np.int8)
        levels[ids == _NONE] = _NONE
        levels[(keys == key) & (ids != _NONE)] = 1
        levels[ids == code] = 0
        rest = np.flatnonzero(levels == 5)
        if len(rest):
            # Spelling similarity once per distinct name, not once per record.
            distinct = np.unique(ids[rest])
            spelled = [self.names[code] for code in distinct]
            similarity = process.cdist([value], spelled, scorer=JaroWinkler.normalized_similarity)[0]
            shared = np.array([bool(set(tokens) & set(scalar.name_tokens(name))) for name in spelled])
            by_name = np.select([shared, similarity >= 0.92, similarity >= 0.80], [2, 3, 4], 5).astype(np.int8)
            levels[rest] = by_name[np.searchsorted(distinct, ids[rest])]
        return levels

    def _number_levels(
        self,
        stored: npt.NDArray[np.int32],
        value: str,
        lookup: dict[str, int],
        values: npt.NDArray[np.object_],
        *,
        same_length: bool,
    ) -> npt.NDArray[np.int8]:
        """Levels of a phone or identity number: the same, one character off, different (as `comparisons`)."""
        levels = np.where(stored == _NONE, _NONE, np.where(stored == lookup.get(value, -2), 0, 2)).astype(np.int8)
        differ = np.flatnonzero(levels == 2)
        if len(differ):
            distinct = np.unique(stored[differ])
            spelled = values[distinct].tolist()
            close = process.cdist([value], spelled, scorer=DamerauLevenshtein.distance, score_cutoff=1)[0] <= 1
            if same_length:
                close &= np.array([len(other) == len(value) for other in spelled])
            levels[differ] = np.where(close[np.searchsorted(distinct, stored[differ])], 1, 2)
        return levels

    def _location_levels(self, rows: npt.NDArray[np.int32], location: str | None) -> npt.NDArray[np.int8] | None:
        if not location:
            return None
        code = scalar.clean_text(location)
        raw = str(location).upper().replace("-", "").replace(" ", "")
        if raw[:2].isalpha() and raw[2:].isdigit():
            codes = (
                self.loc3_lookup.get(raw, -2) if len(raw) >= 8 else -2,
                self.loc2_lookup.get(raw[:6], -2) if len(raw) >= 6 else -2,
                self.loc1_lookup.get(raw[:4], -2),
            )
        else:
            codes = (self.loc3_lookup.get(code or "", -2), -2, -2)
        known = (self.loc3[rows] != _NONE) | (self.loc2[rows] != _NONE) | (self.loc1[rows] != _NONE)
        return np.select(
            [~known, self.loc3[rows] == codes[0], self.loc2[rows] == codes[1], self.loc1[rows] == codes[2]],
            [_NONE, 0, 1, 2],
            3,
        ).astype(np.int8)

    def _weigh(self, name: str, levels: npt.NDArray[np.int8]) -> npt.NDArray[np.float64]:
        weights = self.weights.get(name)
        if weights is None:
            return np.zeros(len(levels))
        return np.where(levels >= 0, weights[np.clip(levels, 0, len(weights) - 1)], 0.0)

    def _frequency_bits(self, name: str, value: str) -> float:
        parameters = self.model.fields.get(name)
        if parameters is None:
            return 0.0
        u_exact = max(parameters.u[0], 1e-6)
        frequency = (self.name_count.get(value, 0) + TF_PSEUDO_COUNT * u_exact) / (self.named + TF_PSEUDO_COUNT)
        return float(np.log2(u_exact / max(frequency, 1e-12)))
