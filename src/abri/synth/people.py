"""The generator: households and members column by column (numpy), assembled with polars."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from abri.registry.flags import WG_FIELDS
from abri.synth import names
from abri.synth.codes import (
    BLANK,
    CAUSES,
    CHILD,
    DAYS_PER_YEAR,
    DIFFICULTY,
    DIVORCED,
    GRANDCHILD,
    HEAD,
    ID_TYPES,
    MARITAL,
    MARRIED,
    MAX_SIZE,
    NON_RELATIVE,
    OTHER_RELATIVE,
    PARENT,
    PHONE_PREFIXES,
    PRECISIONS,
    RELATIONSHIPS,
    SEPARATED,
    SIBLING,
    SINGLE,
    SPOUSE,
    WG_SEVERE_WEIGHTS,
    WIDOWED,
)
from abri.synth.naming import group_weights, name_columns


@dataclass(frozen=True)
class SynthSpec:
    """What to generate. ``individuals`` fixes the total number of people (sizes are nudged to it)."""

    households: int
    seed: int = 0
    areas: tuple[str, ...] = ("ML1001",)
    origin_areas: tuple[str, ...] = ()  # default: the areas themselves
    origin_weights: tuple[float, ...] = ()
    departure_from: datetime.date = datetime.date(2022, 3, 1)
    departure_to: datetime.date = datetime.date(2022, 11, 1)
    registered_until: datetime.date = datetime.date(2022, 11, 30)
    today: datetime.date = field(default_factory=datetime.date.today)
    mean_size: float = 7.0
    individuals: int | None = None
    cause_weights: tuple[float, float, float] = (0.95, 0.04, 0.01)


@dataclass(frozen=True)
class Population:
    """Households and individuals; ``household_key`` links them, individuals are in household order."""

    households: pl.DataFrame
    individuals: pl.DataFrame


def _pick(rng: np.random.Generator, probabilities: dict[int, float], size: int) -> np.ndarray:
    codes = np.array(list(probabilities))
    weights = np.array(list(probabilities.values()))
    return rng.choice(codes, size=size, p=weights / weights.sum())


def _rank_in_household(household: np.ndarray, mask: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """1 for the first member of the household where ``mask`` holds, 2 for the second..."""
    running = np.cumsum(mask)
    before = running[starts] - mask[starts]
    return running - before[household]


def _sizes(rng: np.random.Generator, spec: SynthSpec) -> np.ndarray:
    extra = max(spec.mean_size - 1.0, 0.1)
    sizes = 1 + rng.negative_binomial(4, 4 / (4 + extra), spec.households)
    sizes = np.clip(sizes, 1, MAX_SIZE)
    if spec.individuals is not None:
        if not spec.households <= spec.individuals <= spec.households * MAX_SIZE:
            raise ValueError("individuals must be between households and 30 times households")
        difference = spec.individuals - int(sizes.sum())
        while difference:
            room = np.flatnonzero(sizes < MAX_SIZE) if difference > 0 else np.flatnonzero(sizes > 1)
            chosen = rng.choice(room, size=min(abs(difference), len(room)), replace=False)
            sizes[chosen] += np.sign(difference)
            difference = spec.individuals - int(sizes.sum())
    return sizes


def _dates(rng: np.random.Generator, spec: SynthSpec, count: int) -> dict[str, np.ndarray]:
    start = np.datetime64(spec.departure_from, "D")
    span = max((spec.departure_to - spec.departure_from).days, 0) + 1
    departure = start + rng.integers(0, span, count)
    arrival = departure + np.minimum(rng.geometric(0.25, count) - 1, 30)
    registered = arrival + rng.geometric(1 / 20, count)
    until = np.datetime64(min(spec.registered_until, spec.today), "D")
    registered = np.minimum(registered, until)
    arrival = np.minimum(arrival, registered)
    departure = np.minimum(departure, arrival)
    return {"departure_date": departure, "arrival_date": arrival, "registered_on": registered}


def synth_population(spec: SynthSpec) -> Population:
    """Generate ``spec.households`` households and their members from ``spec.seed``."""
    if spec.households < 0 or not spec.areas:
        raise ValueError("households must be zero or more, with at least one area")
    rng = np.random.default_rng(spec.seed)
    count = spec.households
    sizes = _sizes(rng, spec)
    area_index = rng.integers(0, len(spec.areas), count)
    group = np.zeros(count, dtype=np.int64)
    for index, pcode in enumerate(spec.areas):
        mask = area_index == index
        group[mask] = rng.choice(len(names.GROUPS), size=int(mask.sum()), p=group_weights(pcode))
    dates = _dates(rng, spec, count)

    # The head: one household in four is headed by a woman, most often a widow.
    female_head = rng.random(count) < 0.27
    head_marital = np.where(
        female_head,
        _pick(rng, {WIDOWED: 0.45, MARRIED: 0.25, DIVORCED: 0.12, SEPARATED: 0.08, SINGLE: 0.10}, count),
        _pick(rng, {MARRIED: 0.88, WIDOWED: 0.05, DIVORCED: 0.03, SINGLE: 0.04}, count),
    )
    wives = np.where(~female_head & (head_marital == MARRIED), _pick(rng, {1: 0.78, 2: 0.18, 3: 0.04}, count), 0)
    wives = np.minimum(wives, sizes - 1)
    head_age = np.where(
        female_head,
        np.where(head_marital == WIDOWED, 25 + rng.gamma(4, 7, count), 18 + rng.gamma(3, 6, count)),
        np.where(head_marital == SINGLE, 18 + rng.gamma(2, 4, count), 20 + rng.gamma(3.5, 7, count)),
    ).astype(np.int64)
    head_age = np.minimum(head_age, 95)

    # Members: one row per person, in household order, the head first, then the wives.
    people = int(sizes.sum())
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    household = np.repeat(np.arange(count), sizes)
    position = np.arange(people) - starts[household]
    relationship = _pick(
        rng,
        {CHILD: 0.80, GRANDCHILD: 0.06, PARENT: 0.03, SIBLING: 0.05, OTHER_RELATIVE: 0.04, NON_RELATIVE: 0.02},
        people,
    )
    relationship[position <= wives[household]] = SPOUSE
    relationship[position == 0] = HEAD
    relationship[(relationship == GRANDCHILD) & (head_age[household] < 34)] = CHILD
    relationship[(relationship == PARENT) & (head_age[household] > 62)] = OTHER_RELATIVE
    too_many_parents = (relationship == PARENT) & (_rank_in_household(household, relationship == PARENT, starts) > 2)
    relationship[too_many_parents] = OTHER_RELATIVE

    female = rng.random(people) < 0.51
    female[relationship == SPOUSE] = True
    female[relationship == HEAD] = female_head[household][relationship == HEAD]
    female[relationship == PARENT] = rng.random(int((relationship == PARENT).sum())) < 0.65

    age = _ages(
        rng,
        relationship=relationship,
        household=household,
        head_age=head_age,
        wives=wives,
        starts=starts,
        female_head=female_head,
    )
    marital = _marital(rng, relationship, age, head_marital[household])
    individuals = _individual_frame(
        rng,
        spec=spec,
        household=household,
        position=position,
        relationship=relationship,
        female=female,
        age=age,
        marital=marital,
        registered=dates["registered_on"][household],
        arrival=dates["arrival_date"][household],
    )
    individuals = individuals.with_columns(
        name_columns(rng, household=household, group=group, relationship=relationship, female=female)
    )
    households = _household_frame(rng, spec=spec, area_index=area_index, sizes=sizes, dates=dates)
    return Population(households=households, individuals=individuals.select(INDIVIDUAL_COLUMNS))


def _ages(
    rng: np.random.Generator,
    *,
    relationship: np.ndarray,
    household: np.ndarray,
    head_age: np.ndarray,
    wives: np.ndarray,
    starts: np.ndarray,
    female_head: np.ndarray,
) -> np.ndarray:
    people = len(relationship)
    head = head_age[household].astype(np.float64)
    age = np.zeros(people)
    spouse_rank = _rank_in_household(household, relationship == SPOUSE, starts)
    spouse_age = head - 3 - rng.gamma(2, 4, people) - 5 * (spouse_rank - 1)
    youngest = 16 + rng.integers(0, 6, people)  # some wives married young, most after 18
    age = np.where(relationship == SPOUSE, np.maximum(spouse_age, youngest), age)
    # A child's age is bounded by its mother's: the head if a woman, else the first wife.
    first_wife_age = np.maximum(head_age - 8, 16).astype(np.float64)
    has_wife = wives > 0
    first_wife_age[has_wife] = np.maximum(
        age[np.minimum(starts + 1, people - 1)][has_wife], 16
    )  # the first wife sits right after the head
    mother = np.where(female_head, head_age, first_wife_age)[household]
    child_age = np.minimum(np.floor(rng.gamma(2.0, 5.5, people)), np.maximum(mother - 15, 0))
    age = np.where(relationship == CHILD, np.minimum(child_age, 35), age)
    grandchild = rng.integers(0, 13, people)
    age = np.where(relationship == GRANDCHILD, np.minimum(grandchild, np.maximum(head - 34, 0)), age)
    age = np.where(relationship == PARENT, np.minimum(head + 18 + rng.gamma(2, 5, people), 98), age)
    age = np.where(relationship == SIBLING, np.clip(head + rng.normal(0, 7, people), 5, 90), age)
    age = np.where(relationship == OTHER_RELATIVE, rng.integers(2, 71, people), age)
    age = np.where(relationship == NON_RELATIVE, rng.integers(10, 61, people), age)
    age = np.where(relationship == HEAD, head, age)
    return age.astype(np.int64)


def _marital(rng: np.random.Generator, relationship: np.ndarray, age: np.ndarray, head: np.ndarray) -> np.ndarray:
    people = len(age)
    adult = _pick(rng, {SINGLE: 0.4, MARRIED: 0.45, WIDOWED: 0.1, DIVORCED: 0.05}, people)
    grown_child = _pick(rng, {SINGLE: 0.75, MARRIED: 0.2, DIVORCED: 0.03, WIDOWED: 0.02}, people)
    elder = _pick(rng, {WIDOWED: 0.55, MARRIED: 0.45}, people)
    marital = np.where(age >= 18, adult, np.where(age >= 12, SINGLE, BLANK))
    marital = np.where((relationship == CHILD) & (age >= 18), grown_child, marital)
    marital = np.where(relationship == PARENT, elder, marital)
    marital = np.where(relationship == SPOUSE, MARRIED, marital)
    return np.where(relationship == HEAD, head, marital)


INDIVIDUAL_COLUMNS = (
    "household_key",
    "position",
    "given_names",
    "family_name",
    "sex",
    "relationship",
    "age_at_registration",
    "birth_date_precision",
    "birth_date",
    "birth_year",
    "age_years",
    "marital_status",
    *WG_FIELDS,
    "pregnancy",
    "chronic_illness",
    "id_document_type",
    "id_number",
)
HOUSEHOLD_COLUMNS = (
    "household_key",
    "admin_area",
    "origin_area",
    "departure_date",
    "arrival_date",
    "displacement_cause",
    "registered_on",
    "consent",
    "consent_date",
    "phone",
    "size",
)


def _strings(values: tuple[str, ...], codes: np.ndarray) -> pl.Series:
    return pl.Series(values, dtype=pl.String).gather(codes)


def _individual_frame(
    rng: np.random.Generator,
    *,
    spec: SynthSpec,
    household: np.ndarray,
    position: np.ndarray,
    relationship: np.ndarray,
    female: np.ndarray,
    age: np.ndarray,
    marital: np.ndarray,
    registered: np.ndarray,
    arrival: np.ndarray,
) -> pl.DataFrame:
    people = len(age)
    offset = (age * DAYS_PER_YEAR + rng.uniform(0, 365, people)).astype(np.int64)
    born = registered - offset
    # Only children and grandchildren can be born in displacement.
    adults_born_late = (relationship != CHILD) & (relationship != GRANDCHILD) & (born > arrival - 30)
    born = np.where(adults_born_late, arrival - 30 - rng.integers(0, 365, people), born)
    exact_share = np.select([age < 5, age < 18, age < 60], [0.55, 0.4, 0.3], 0.1)
    draw = rng.random(people)
    precision = np.where(draw < exact_share, 0, np.where(draw < exact_share + 0.4 * (1 - exact_share), 1, 2))
    # A year or an age would put a relative born near the arrival after it: keep the exact date.
    near_arrival = (relationship != CHILD) & (relationship != GRANDCHILD) & (born > arrival - 400)
    precision = np.where(near_arrival, 0, precision)

    wg = _washington_group(rng, age)
    fertile = female & (age >= 15) & (age <= 49)
    pregnancy_draw = rng.random(people)
    pregnancy = np.where(fertile & (pregnancy_draw < 0.08), 1, np.where(fertile & (pregnancy_draw < 0.25), 2, 0))
    chronic = rng.random(people) < np.where(age >= 50, 0.15, 0.03)
    id_type, id_number = _documents(rng, age, birth_years=born.astype("datetime64[Y]").astype(np.int64) + 1970)

    today = spec.today
    frame = pl.DataFrame(
        {
            "household_key": household,
            "position": position,
            "sex": _strings(("male", "female"), female.astype(np.int64)),
            "relationship": _strings(RELATIONSHIPS, relationship),
            "age_at_registration": age,
            "born": born,
            "precision": precision,
            "marital_status": _strings(MARITAL, marital),
            **{name: _strings(DIFFICULTY, codes) for name, codes in zip(WG_FIELDS, wg, strict=True)},
            "pregnancy": _strings(("no", "pregnant", "lactating"), pregnancy),
            "chronic_illness": chronic,
            "id_document_type": _strings(ID_TYPES, id_type),
            "id_number": id_number,
        }
    )
    born_column = pl.col("born")
    age_today = (
        today.year
        - born_column.dt.year()
        - (
            (born_column.dt.month() > today.month)
            | ((born_column.dt.month() == today.month) & (born_column.dt.day() > today.day))
        ).cast(pl.Int32)
    )
    return frame.with_columns(
        birth_date_precision=_strings(PRECISIONS, precision),
        birth_date=pl.when(pl.col("precision") == 0).then(born_column),
        birth_year=pl.when(pl.col("precision") == 1).then(born_column.dt.year()),
        # An estimated age is the age on the day the services read it (they count from today).
        age_years=pl.when(pl.col("precision") == 2).then(age_today),
    ).drop("born", "precision")


def _washington_group(rng: np.random.Generator, age: np.ndarray) -> list[np.ndarray]:
    people = len(age)
    answered = age >= 5  # the short set is asked from age five
    severe_rate = np.select([age < 18, age < 50, age < 65], [0.03, 0.06, 0.15], 0.35)
    some_rate = np.select([age < 18, age < 50, age < 65], [0.03, 0.05, 0.15], 0.3)
    severe = answered & (rng.random(people) < severe_rate)
    domains = [rng.choice(6, size=people, p=WG_SEVERE_WEIGHTS) for _ in range(3)]
    extra = rng.random(people)
    affected = [severe, severe & (extra < 0.3), severe & (extra < 0.08)]
    answers = []
    for domain in range(6):
        hit = np.zeros(people, dtype=bool)
        for chosen, on in zip(domains, affected, strict=True):
            hit |= on & (chosen == domain)
        level = np.where(rng.random(people) < some_rate, 2, 1)
        level = np.where(hit, np.where(rng.random(people) < 0.25, 4, 3), level)
        answers.append(np.where(answered, level, 0))
    return answers


def _digits(rng: np.random.Generator, count: int, width: int) -> pl.Series:
    return pl.Series(rng.integers(0, 10**width, count), dtype=pl.Int64).cast(pl.String).str.zfill(width)


def _documents(rng: np.random.Generator, age: np.ndarray, *, birth_years: np.ndarray) -> tuple[np.ndarray, pl.Series]:
    people = len(age)
    adult = _pick(rng, {0: 0.595, 1: 0.3, 5: 0.08, 3: 0.01, 4: 0.005, 6: 0.01}, people)
    minor = _pick(rng, {0: 0.8, 2: 0.2}, people)
    id_type = np.where(age >= 18, adult, minor)
    holders = np.flatnonzero(id_type > 0)  # numbers are made only for those who hold a document
    kind = pl.Series(id_type[holders])
    count = len(holders)
    letters = pl.Series(list("ABCDEFGHJKLMNPRSTUVWXYZ")).gather(rng.integers(0, 23, count))
    first, second = _digits(rng, count, 7), _digits(rng, count, 7)
    spaced = pl.Series(rng.random(count) < 0.3)
    numbers = pl.select(
        pl.when((kind == 1) & spaced)
        .then(pl.concat_str([first, second, letters], separator=" "))
        .when(kind == 1)
        .then(pl.concat_str([first, second, letters]))
        .when(kind == 2)
        .then(pl.concat_str([first.str.slice(0, 4), pl.Series(birth_years[holders]).cast(pl.String)], separator="/"))
        .when(kind == 3)
        .then(pl.concat_str([letters, first]))
        .when(kind == 4)
        .then(pl.concat_str([pl.lit("CC"), first, second.str.slice(0, 1)]))
        .when(kind == 5)
        .then(pl.concat_str([first, second.str.slice(0, 5)]))
        .otherwise(pl.concat_str([first, second.str.slice(0, 2)]))
    ).to_series()
    return id_type, pl.repeat("", people, eager=True, dtype=pl.String).scatter(holders, numbers)


def _household_frame(
    rng: np.random.Generator,
    *,
    spec: SynthSpec,
    area_index: np.ndarray,
    sizes: np.ndarray,
    dates: dict[str, np.ndarray],
) -> pl.DataFrame:
    count = len(sizes)
    origins = spec.origin_areas or spec.areas
    weights = np.array(spec.origin_weights or [1.0] * len(origins), dtype=np.float64)
    origin = rng.choice(len(origins), size=count, p=weights / weights.sum())
    causes = rng.choice(len(CAUSES), size=count, p=np.array(spec.cause_weights) / sum(spec.cause_weights))
    number = pl.concat_str(
        [pl.Series(PHONE_PREFIXES).gather(rng.integers(0, len(PHONE_PREFIXES), count)), _digits(rng, count, 6)]
    )
    # The same number, written as people and clerks write it.
    style = rng.choice(5, size=count, p=[0.45, 0.2, 0.15, 0.1, 0.1])
    spaced = pl.concat_str([number.str.slice(start, 2) for start in (0, 2, 4, 6)], separator=" ")
    phone = pl.select(
        pl.when(pl.Series(rng.random(count) >= 0.85))
        .then(pl.lit(""))
        .when(pl.Series(style == 0))
        .then(number)
        .when(pl.Series(style == 1))
        .then(spaced)
        .when(pl.Series(style == 2))
        .then(pl.concat_str([pl.lit("+223 "), number]))
        .when(pl.Series(style == 3))
        .then(pl.concat_str([pl.lit("+223 "), spaced]))
        .otherwise(pl.concat_str([pl.lit("00223"), number]))
    ).to_series()
    return (
        pl.DataFrame(
            {
                "household_key": np.arange(count),
                "admin_area": pl.Series(spec.areas, dtype=pl.String).gather(area_index),
                "origin_area": pl.Series(origins, dtype=pl.String).gather(origin),
                **{name: pl.Series(values).cast(pl.Date) for name, values in dates.items()},
                "displacement_cause": _strings(CAUSES, causes),
                "consent": pl.Series(["given"] * count, dtype=pl.String),
                "phone": phone,
                "size": sizes,
            }
        )
        .with_columns(consent_date=pl.col("registered_on"))
        .select(HOUSEHOLD_COLUMNS)
    )
